"""Confidence intervals for one sample: Wilson for proportions, bootstrap for means and
quantiles."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri

from clearance.errors import UsageError

Interval = tuple[float, float]

_CHUNK_CELLS = 4_000_000
"""Resampled values materialised at once: bounds memory whatever the sample size."""


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise UsageError(f"confidence must be in (0, 1), got {confidence}")


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a binomial proportion.

    Unlike the Wald interval it stays inside [0, 1] and keeps its coverage near 0 and 1,
    which is where release gates live (refusal rates, leak rates).
    """
    _check_confidence(confidence)
    if n <= 0 or not 0 <= successes <= n:
        raise UsageError(f"need 0 <= successes <= n and n > 0, got {successes}/{n}")
    z = float(ndtri(0.5 + confidence / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return lo, hi


def _as_sample(values: ArrayLike | Sequence[float]) -> NDArray[np.float64]:
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise UsageError("cannot compute an interval from an empty sample")
    if not np.all(np.isfinite(x)):
        raise UsageError("sample contains NaN or infinite values")
    return x


def bootstrap_statistics(
    values: ArrayLike, statistic: str, *, q: float = 0.5, n_resamples: int = 2000, seed: int = 0
) -> NDArray[np.float64]:
    """``n_resamples`` bootstrap replicates of ``statistic`` ("mean" or "quantile" at ``q``).

    Resampling is vectorised in chunks so that memory stays bounded.
    """
    x = _as_sample(values)
    if n_resamples < 1:
        raise UsageError("n_resamples must be at least 1")
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK_CELLS // x.size)
    out: list[NDArray[np.float64]] = []
    for start in range(0, n_resamples, rows):
        idx = rng.integers(0, x.size, size=(min(rows, n_resamples - start), x.size))
        out.append(_reduce(x[idx], statistic, q))
    return np.asarray(np.concatenate(out), dtype=float)


def _reduce(samples: NDArray[np.float64], statistic: str, q: float) -> NDArray[np.float64]:
    if statistic == "mean":
        return np.asarray(samples.mean(axis=1), dtype=float)
    if statistic == "quantile":
        return np.quantile(samples, q, axis=1)
    raise UsageError(f"unknown statistic {statistic!r}: use 'mean' or 'quantile'")


def _percentile_interval(reps: NDArray[np.float64], confidence: float) -> Interval:
    tail = (1 - confidence) / 2
    lo, hi = np.quantile(reps, [tail, 1 - tail])
    return float(lo), float(hi)


def bootstrap_mean_interval(
    values: ArrayLike, confidence: float = 0.95, *, n_resamples: int = 2000, seed: int = 0
) -> Interval:
    """Percentile bootstrap interval for the mean (seeded, so reruns agree)."""
    _check_confidence(confidence)
    reps = bootstrap_statistics(values, "mean", n_resamples=n_resamples, seed=seed)
    return _percentile_interval(reps, confidence)


def bootstrap_quantile_interval(
    values: ArrayLike,
    q: float,
    confidence: float = 0.95,
    *,
    n_resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval for the ``q`` quantile (e.g. ``q=0.95`` for p95)."""
    _check_confidence(confidence)
    if not 0 <= q <= 1:
        raise UsageError(f"quantile q must be in [0, 1], got {q}")
    reps = bootstrap_statistics(values, "quantile", q=q, n_resamples=n_resamples, seed=seed)
    return _percentile_interval(reps, confidence)

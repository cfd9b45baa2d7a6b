"""Paired comparisons of a candidate and a baseline scored on the same samples.

Binary outcomes use the exact McNemar construction (only discordant pairs carry
information); scores use a paired bootstrap of the mean difference. Both return a
:class:`PairedResult` with the decision against a non-inferiority or superiority margin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import bdtr, bdtrc, betaincinv

from clearance.errors import UsageError
from clearance.stats._intervals import Interval, bootstrap_statistics

Alternative = Literal["non_inferiority", "superiority"]
Verdict = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class PairedResult:
    """Outcome of a paired candidate-vs-baseline comparison.

    ``estimate`` and ``interval`` are candidate minus baseline in the metric's own units.
    ``decision`` is ``pass`` when the interval shows the claim (not worse than ``margin``,
    or better by more than ``margin``), ``fail`` when it shows the claim is false, and
    ``inconclusive`` when the samples cannot tell.
    """

    estimate: float
    interval: Interval
    p_value: float
    margin: float
    alternative: Alternative
    decision: Verdict
    n: int


def mcnemar_exact_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the two discordant counts."""
    if b < 0 or c < 0:
        raise UsageError("discordant counts must be non-negative")
    if b + c == 0:
        return 1.0
    return float(min(1.0, 2 * bdtr(min(b, c), b + c, 0.5)))


def _pairs(candidate: ArrayLike, baseline: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    cand = np.asarray(candidate, dtype=float).ravel()
    base = np.asarray(baseline, dtype=float).ravel()
    if cand.shape != base.shape or cand.size == 0:
        raise UsageError("candidate and baseline need the same, non-zero number of samples")
    if not (np.all(np.isfinite(cand)) and np.all(np.isfinite(base))):
        raise UsageError("paired samples contain NaN or infinite values")
    return cand, base


def _boundary(margin: float, alternative: Alternative) -> float:
    """Improvement (oriented so that positive is better) the claim must exceed."""
    if margin < 0:
        raise UsageError("margin must be >= 0")
    if alternative == "non_inferiority":
        return -margin
    if alternative == "superiority":
        return margin
    raise UsageError(f"alternative must be 'non_inferiority' or 'superiority', not {alternative!r}")


def _verdict(improvement: Interval, boundary: float, shown: bool) -> Verdict:
    if shown:
        return "pass"
    if improvement[1] <= boundary:
        return "fail"
    return "inconclusive"


def _clopper_pearson(k: int, n: int, level: float) -> Interval:
    tail = (1 - level) / 2
    lo = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, tail))
    hi = 1.0 if k == n else float(betaincinv(k + 1, n - k, 1 - tail))
    return lo, hi


def _mcnemar_interval(b: int, c: int, n: int, confidence: float) -> Interval:
    """Interval for (b - c) / n: exact for the split of discordant pairs given their number,
    widened by an exact bound on how many pairs are discordant (Bonferroni over both)."""
    level = 1 - (1 - confidence) / 2
    share_lo, share_hi = _clopper_pearson(b, b + c, level) if b + c else (0.0, 1.0)
    disc_lo, disc_hi = _clopper_pearson(b + c, n, level)
    corners = [(2 * s - 1) * d for s in (share_lo, share_hi) for d in (disc_lo, disc_hi)]
    return min(corners), max(corners)


def mcnemar_test(
    candidate: ArrayLike,
    baseline: ArrayLike,
    *,
    margin: float = 0.0,
    alternative: Alternative = "non_inferiority",
    higher_is_better: bool = True,
    confidence: float = 0.95,
) -> PairedResult:
    """Compare paired binary outcomes (1 = success) of candidate and baseline.

    The p-value is the one-sided exact binomial tail of the discordant split at the
    margin's boundary, given the number of discordant pairs; with ``margin=0`` it is the
    one-sided exact McNemar test, and the claim is shown when it is at most
    ``(1 - confidence) / 2``. The interval also bounds the number of discordant pairs
    (exactly, Bonferroni over both), so it is conservative.
    """
    cand, base = _pairs(candidate, baseline)
    if not np.all(np.isin(cand, (0, 1)) & np.isin(base, (0, 1))):
        raise UsageError("McNemar needs binary outcomes (0/1 or booleans)")
    sign = 1.0 if higher_is_better else -1.0
    b = int(np.sum(cand > base)) if higher_is_better else int(np.sum(cand < base))
    c = int(np.sum(cand < base)) if higher_is_better else int(np.sum(cand > base))
    n = cand.size
    boundary = _boundary(margin, alternative)
    improvement = _mcnemar_interval(b, c, n, confidence)
    p_value = _discordant_tail(b, c, n, boundary)
    natural = (sign * improvement[0], sign * improvement[1])
    return PairedResult(
        estimate=float(np.mean(cand - base)),
        interval=(min(natural), max(natural)),
        p_value=p_value,
        margin=margin,
        alternative=alternative,
        decision=_verdict(improvement, boundary, p_value <= (1 - confidence) / 2),
        n=n,
    )


def _discordant_tail(b: int, c: int, n: int, boundary: float) -> float:
    if b + c == 0:
        return 1.0 if boundary >= 0 else 0.0
    share0 = float(np.clip(0.5 * (1 + boundary * n / (b + c)), 0.0, 1.0))
    if b <= 0:
        return 1.0
    return float(bdtrc(b - 1, b + c, share0))


def paired_bootstrap(
    candidate: ArrayLike,
    baseline: ArrayLike,
    *,
    margin: float = 0.0,
    alternative: Alternative = "non_inferiority",
    higher_is_better: bool = True,
    confidence: float = 0.95,
    n_resamples: int = 4000,
    seed: int = 0,
) -> PairedResult:
    """Compare paired scores by resampling samples (pairs stay together)."""
    cand, base = _pairs(candidate, baseline)
    sign = 1.0 if higher_is_better else -1.0
    boundary = _boundary(margin, alternative)
    reps = sign * bootstrap_statistics(cand - base, "mean", n_resamples=n_resamples, seed=seed)
    tail = (1 - confidence) / 2
    lo, hi = (float(v) for v in np.quantile(reps, [tail, 1 - tail]))
    p_value = (np.sum(reps <= boundary) + 1) / (reps.size + 1)
    natural = (sign * lo, sign * hi)
    return PairedResult(
        estimate=float(np.mean(cand - base)),
        interval=(min(natural), max(natural)),
        p_value=float(p_value),
        margin=margin,
        alternative=alternative,
        decision=_verdict((lo, hi), boundary, lo > boundary),
        n=cand.size,
    )

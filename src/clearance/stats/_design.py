"""The data behind one gate's statistic: its estimate, its interval, and how likely a
fresh run of ``n`` samples is to show the gate's claim (power), from which a gate that
cannot decide says how many samples would decide it.

Each kind of statistic has one class here, and each is the only place that knows its
interval method, so that the interval a report prints is the one the gate decides on
and the one its power is computed for.

Power is computed at the observed effect: exactly from the binomial for rates and
quantiles, by seeded resampling of the observed per-sample values for means and paired
comparisons (the observed values stand in for the truth), by the normal approximation
for a cost ratio.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import bdtr, bdtrc, ndtr, stdtrit

from clearance.errors import UsageError
from clearance.stats._intervals import (
    Interval,
    exact_bounds,
    mean_bounds,
    mean_interval,
    order_ranks,
    quantile_interval,
    rate_interval,
    z_two_sided,
)
from clearance.stats._paired import (
    Alternative,
    PairedResult,
    boundary,
    paired_ratio_interval,
    tango_bounds,
    unit_means,
    verdict,
)

Side = Literal["min", "max"]
DRAWS = 2000
"""Resampled fresh runs per power figure (seeded: the same evidence gives the same N)."""
_CELLS = 4_000_000


class Statistic(Protocol):
    """What every per-kind class offers: ``estimate``, ``n`` (samples), ``interval`` and
    ``pass_probability`` (chance a fresh run of ``n`` samples shows ``side bound``)."""

    @property
    def estimate(self) -> float: ...

    @property
    def n(self) -> int: ...

    def interval(self, confidence: float) -> Interval: ...

    def pass_probability(
        self, side: Side, bound: float, n: int, confidence: float, seed: int = 0
    ) -> float: ...


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class RateStatistic:
    """A 0/1 rate over samples; ``unit_rates[i]`` is sample i's mean over its repeats."""

    unit_rates: NDArray[np.float64]
    unit_sizes: NDArray[np.float64]

    @classmethod
    def from_groups(cls, groups: Sequence[ArrayLike]) -> RateStatistic:
        rates = unit_means(groups)
        sizes = np.asarray([np.asarray(g).size for g in groups], dtype=float)
        return cls(rates, sizes)

    @property
    def estimate(self) -> float:
        return float(self.unit_rates.mean())

    @property
    def n(self) -> int:
        return int(self.unit_rates.size)

    @property
    def repeated(self) -> bool:
        return bool(np.any(self.unit_sizes > 1))

    def interval(self, confidence: float) -> Interval:
        return rate_interval(self.unit_rates, self.unit_sizes, confidence)

    def pass_probability(
        self, side: Side, bound: float, n: int, confidence: float, seed: int = 0
    ) -> float:
        if self.repeated:
            return MeanStatistic(self.unit_rates, (0.0, 1.0)).pass_probability(
                side, bound, n, confidence, seed
            )
        return binomial_pass(self.estimate, n, side, bound, confidence)


def binomial_pass(p: float, n: int, side: Side, bound: float, confidence: float) -> float:
    """Chance that ``Binomial(n, p)`` successes give an exact interval showing the claim."""
    ks = np.arange(n + 1, dtype=float)
    lo, hi = exact_bounds(ks, float(n), confidence)
    shown = lo >= bound if side == "min" else hi <= bound
    if not shown.any():
        return 0.0
    pmf = np.diff(np.concatenate(([0.0], bdtr(np.arange(n + 1), n, p))))
    return float(np.clip(pmf[shown].sum(), 0.0, 1.0))


def wilson_bounds(
    k: NDArray[np.float64], n: float, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson intervals for arrays of success counts out of ``n`` (vectorised)."""
    z = z_two_sided(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = np.where(k == 0, 0.0, np.maximum(0.0, centre - half))
    hi = np.where(k == n, 1.0, np.minimum(1.0, centre + half))
    return lo, hi


# --------------------------------------------------------------------------- means


@dataclass(frozen=True)
class MeanStatistic:
    """A mean over samples; ``bounds`` is the range a value can take (None: unknown)."""

    values: NDArray[np.float64]
    bounds: tuple[float, float] | None = None

    @property
    def estimate(self) -> float:
        return float(self.values.mean())

    @property
    def n(self) -> int:
        return int(self.values.size)

    def interval(self, confidence: float) -> Interval:
        return mean_interval(self.values, confidence, self.bounds)

    def pass_probability(
        self, side: Side, bound: float, n: int, confidence: float, seed: int = 0
    ) -> float:
        lo, hi = mean_bounds(resample(self.values, n, seed), self.bounds, confidence)
        return float(np.mean(lo >= bound if side == "min" else hi <= bound))


def resample(values: NDArray[np.float64], n: int, seed: int) -> NDArray[np.float64]:
    """``DRAWS`` fresh runs of ``n`` samples drawn from ``values`` (rows), bounded memory
    by drawing fewer runs when ``n`` is large."""
    rng = np.random.default_rng(seed)
    rows = max(50, min(DRAWS, _CELLS // max(n, 1)))
    return values[rng.integers(0, values.size, size=(rows, n))]


# --------------------------------------------------------------------------- quantiles


@dataclass(frozen=True)
class QuantileStatistic:
    """The ``q`` quantile of observations (each call one observation, e.g. latency)."""

    values: NDArray[np.float64]
    q: float

    @property
    def estimate(self) -> float:
        return float(np.quantile(self.values, self.q))

    @property
    def n(self) -> int:
        return int(self.values.size)

    def interval(self, confidence: float) -> Interval:
        return quantile_interval(self.values, self.q, confidence)

    def pass_probability(
        self, side: Side, bound: float, n: int, confidence: float, seed: int = 0
    ) -> float:
        lower, upper = order_ranks(n, self.q, confidence)
        if side == "max":  # X(upper) <= bound  <=>  at least `upper` values <= bound
            if upper > n:
                return 0.0
            share = float(np.mean(self.values <= bound))
            return float(bdtrc(upper - 1, n, share))
        if lower < 1:  # X(lower) >= bound  <=>  at most lower-1 values < bound
            return 0.0
        share = float(np.mean(self.values < bound))
        return float(bdtr(lower - 1, n, share))


# --------------------------------------------------------------------------- ratio


@dataclass(frozen=True)
class RatioStatistic:
    """``mean(numerator) / mean(denominator) - 1`` over paired samples (cost increase)."""

    numerator: NDArray[np.float64]
    denominator: NDArray[np.float64]

    def __post_init__(self) -> None:
        paired_ratio_interval(self.numerator, self.denominator)  # validates

    @property
    def estimate(self) -> float:
        return float(self.numerator.sum() / self.denominator.sum() - 1)

    @property
    def n(self) -> int:
        return int(self.numerator.size)

    def interval(self, confidence: float) -> Interval:
        return paired_ratio_interval(self.numerator, self.denominator, confidence)[1]

    def pass_probability(
        self, side: Side, bound: float, n: int, confidence: float, seed: int = 0
    ) -> float:
        lo, hi = self.interval(confidence)
        if not math.isfinite(lo):
            return 0.0
        t_now = float(stdtrit(self.n - 1, 0.5 + confidence / 2))
        se = (hi - lo) / (2 * t_now) * math.sqrt(self.n / max(n, 2))
        t = float(stdtrit(max(n, 2) - 1, 0.5 + confidence / 2))
        gap = (bound - self.estimate) if side == "max" else (self.estimate - bound)
        if se == 0:
            return 1.0 if gap >= 0 else 0.0
        return float(ndtr(gap / se - t))


# --------------------------------------------------------------------------- paired


@dataclass(frozen=True)
class PairedStatistic:
    """Candidate minus baseline on the same samples; ``cand[i]``/``base[i]`` hold sample
    i's values (one per repeat). ``binary`` with one value per arm uses Tango's score
    interval, anything else a t interval on per-sample differences. ``span`` is the
    range one per-sample difference can take. Claims are on the difference oriented so
    that positive is better (``sign``)."""

    cand: tuple[NDArray[np.float64], ...]
    base: tuple[NDArray[np.float64], ...]
    sign: float = 1.0
    bounds: tuple[float, float] | None = (0.0, 1.0)
    diffs: NDArray[np.float64] = field(init=False, repr=False)
    tango: bool = field(init=False, repr=False)
    """One 0/1 outcome per sample and arm: the Tango score interval applies."""

    def __post_init__(self) -> None:
        if len(self.cand) != len(self.base) or not self.cand:
            raise UsageError("candidate and baseline need the same, non-zero number of samples")
        diffs = unit_means(self.cand) - unit_means(self.base)
        single = all(a.size == 1 for a in self.cand) and all(b.size == 1 for b in self.base)
        values = np.concatenate([*self.cand, *self.base])
        object.__setattr__(self, "diffs", diffs)
        object.__setattr__(self, "tango", single and bool(np.all(np.isin(values, (0.0, 1.0)))))

    @property
    def method(self) -> str:
        return (
            "Tango score interval (continuity-corrected)"
            if self.tango
            else "t interval on per-sample differences"
        )

    @property
    def estimate(self) -> float:
        return float(self.diffs.mean())

    @property
    def n(self) -> int:
        return int(self.diffs.size)

    @property
    def span(self) -> tuple[float, float] | None:
        if self.bounds is None:
            return None
        width = self.bounds[1] - self.bounds[0]
        return -width, width

    def interval(self, confidence: float) -> Interval:
        """Candidate minus baseline, in the metric's own direction."""
        if self.tango:
            b = int(np.sum(self.diffs > 0))
            c = int(np.sum(self.diffs < 0))
            lo, hi = tango_bounds(b, c, self.n, confidence)
            return float(lo), float(hi)
        return mean_interval(self.diffs, confidence, self.span)

    def improvement(self, confidence: float) -> Interval:
        lo, hi = self.interval(confidence)
        return (lo, hi) if self.sign > 0 else (-hi, -lo)

    def pass_probability(
        self,
        side: Side,
        bound: float,
        n: int,
        confidence: float,
        seed: int = 0,
        *,
        null: bool = False,
    ) -> float:
        """Chance a fresh run of ``n`` pairs shows the oriented improvement ``> bound``
        (``side`` is ignored: a paired claim is always a lower bound on the improvement).

        With ``null`` the candidate is identical to the baseline: the pairs then differ
        only as two runs of the baseline do, which its repeats show (two repeats of one
        sample); without repeats a re-run is taken to reproduce every outcome."""
        rng = np.random.default_rng(seed)
        if null:
            return self._null_probability(bound, n, confidence, rng)
        if self.tango:
            b = float(np.sum(self.diffs > 0)) / self.n
            c = float(np.sum(self.diffs < 0)) / self.n
            return self._tango_probability(b, c, bound, n, confidence, rng)
        draws = resample(self.sign * self.diffs, n, seed)
        lo, _ = mean_bounds(draws, self.span, confidence)
        return float(np.mean(lo > bound))

    def rerun_differences(self) -> NDArray[np.float64]:
        """Per-sample differences between two runs of the baseline (its first two repeats;
        zero for a sample without repeats)."""
        return np.asarray(
            [float(b[0] - b[1]) if b.size >= 2 else 0.0 for b in self.base], dtype=float
        )

    def _null_probability(
        self, bound: float, n: int, confidence: float, rng: np.random.Generator
    ) -> float:
        noise = self.rerun_differences()
        if self.tango:  # one outcome per sample: a re-run reproduces it (no discordance)
            return self._tango_probability(0.0, 0.0, bound, n, confidence, rng)
        draws = noise[rng.integers(0, noise.size, size=(max(50, min(DRAWS, _CELLS // n)), n))]
        draws = draws * rng.choice((-1.0, 1.0), size=draws.shape)
        lo, _ = mean_bounds(draws, self.span, confidence)
        return float(np.mean(lo > bound))

    def _tango_probability(
        self,
        b: float,
        c: float,
        bound: float,
        n: int,
        confidence: float,
        rng: np.random.Generator,
    ) -> float:
        counts = rng.multinomial(n, [b, c, max(0.0, 1 - b - c)], size=DRAWS * 2)
        lo, hi = tango_bounds(counts[:, 0], counts[:, 1], n, confidence)
        improvement = lo if self.sign > 0 else -hi
        return float(np.mean(improvement > bound))


def paired_test(
    stat: PairedStatistic, margin: float, alternative: Alternative, confidence: float
) -> PairedResult:
    """The decision of a paired claim: the position of ``stat``'s interval."""
    return PairedResult(
        estimate=stat.estimate,
        interval=stat.interval(confidence),
        margin=margin,
        alternative=alternative,
        decision=verdict(stat.improvement(confidence), boundary(margin, alternative)),
        n=stat.n,
        method=stat.method,
    )


def paired_rate_test(
    candidate: ArrayLike,
    baseline: ArrayLike,
    *,
    margin: float = 0.0,
    alternative: Alternative = "non_inferiority",
    higher_is_better: bool = True,
    confidence: float = 0.95,
) -> PairedResult:
    """Compare paired 0/1 outcomes (one per sample and arm) by Tango's score interval."""
    cand = np.asarray(candidate, dtype=float).ravel()
    base = np.asarray(baseline, dtype=float).ravel()
    if cand.shape != base.shape or cand.size == 0:
        raise UsageError("candidate and baseline need the same, non-zero number of samples")
    if not np.all(np.isin(cand, (0, 1)) & np.isin(base, (0, 1))):
        raise UsageError("a paired rate needs 0/1 outcomes (or booleans)")
    stat = PairedStatistic(
        tuple(cand[:, None]), tuple(base[:, None]), sign=1.0 if higher_is_better else -1.0
    )
    return paired_test(stat, margin, alternative, confidence)


def paired_mean_test(
    candidate: Sequence[ArrayLike],
    baseline: Sequence[ArrayLike],
    *,
    bounds: tuple[float, float] | None = (0.0, 1.0),
    margin: float = 0.0,
    alternative: Alternative = "non_inferiority",
    higher_is_better: bool = True,
    confidence: float = 0.95,
) -> PairedResult:
    """Compare paired scores: ``candidate[i]`` and ``baseline[i]`` hold sample i's values
    (one per repeat). ``bounds`` is the range a single value can take. One 0/1 value per
    sample and arm is compared as :func:`paired_rate_test` does."""
    if len(candidate) != len(baseline) or not candidate:
        raise UsageError("candidate and baseline need the same, non-zero number of samples")
    stat = PairedStatistic(
        tuple(np.asarray(c, dtype=float).ravel() for c in candidate),
        tuple(np.asarray(b, dtype=float).ravel() for b in baseline),
        sign=1.0 if higher_is_better else -1.0,
        bounds=bounds,
    )
    return paired_test(stat, margin, alternative, confidence)


# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Requirement:
    """How many samples a gate needs: ``n`` samples show its claim with probability
    ``power`` at the observed value, where the ``have`` samples give ``power_now``."""

    n: int
    power: float
    have: int
    power_now: float

    @property
    def message(self) -> str:
        return (
            f"needs >= {self.n:,} samples for {self.power:.0%} power at the observed value "
            f"(has {self.have:,}, {self.power_now:.0%} power)"
        )


def required_samples(
    probability: Callable[[int], float],
    have: int,
    *,
    power: float = 0.8,
    cap: int = 1_000_000,
) -> Requirement | None:
    """Smallest sample size (found by doubling, then bisection) at which ``probability``
    reaches ``power``; None when even ``cap`` samples would not."""
    now = probability(max(have, 1))
    low, high = max(have, 1), max(have, 1) * 2
    while probability(high) < power:
        if high >= cap:
            return None
        low, high = high, min(cap, high * 2)
    while high - low > max(1, low // 100):
        mid = (low + high) // 2
        if probability(mid) >= power:
            high = mid
        else:
            low = mid
    return Requirement(high, probability(high), have, now)

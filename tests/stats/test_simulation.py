"""Seeded simulations: every gate statistic holds its error rate and its coverage.

A gate falsely passes when the truth sits exactly on its bound (or margin) and the
interval still lands on the passing side; at confidence 0.95 that must happen at most
2.5% of the time. Coverage must be at least 94% (nominal 95% minus 1 pp) at n = 20, 100
and 1000. Each figure is a Monte Carlo estimate from RUNS seeded runs, so the tests allow
three Monte Carlo standard errors above the nominal false-pass level.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from clearance.stats import (
    QuantileStatistic,
    RatioStatistic,
    exact_bounds,
    mean_bounds,
    order_ranks,
    tango_bounds,
)

RUNS = 4000
NOMINAL = 0.025
SLACK = 3 * math.sqrt(NOMINAL * (1 - NOMINAL) / RUNS)  # 0.0074
SIZES = (20, 100, 1000)


def _rng(*key: float) -> np.random.Generator:
    return np.random.default_rng([int(abs(k) * 1000) for k in key])


def _coverage(lo: NDArray[np.float64], hi: NDArray[np.float64], truth: float) -> float:
    return float(np.mean((lo <= truth) & (truth <= hi)))


# --------------------------------------------------------------------------- rates


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("bound", [0.80, 0.90, 0.95])
def test_rate_bound_false_pass_and_coverage(n: int, bound: float) -> None:
    k = _rng(n, bound).binomial(n, bound, RUNS).astype(float)
    lo, hi = exact_bounds(k, float(n))
    assert np.mean(lo >= bound) <= NOMINAL + SLACK  # min gate at its bound
    assert np.mean(hi <= bound) <= NOMINAL + SLACK  # a max gate at its bound
    assert _coverage(lo, hi, bound) >= 0.94


def test_exact_rate_error_never_exceeds_nominal_on_a_grid() -> None:
    # computed exactly (no simulation): max one-sided error over n and p
    from scipy.stats import binom

    worst = 0.0
    for n in (20, 50, 100, 260, 1000):
        k = np.arange(n + 1, dtype=float)
        lo, hi = exact_bounds(k, float(n))
        for p in np.linspace(0.5, 0.995, 60):
            pmf = binom.pmf(np.arange(n + 1), n, p)
            worst = max(worst, float(pmf[lo > p].sum()), float(pmf[hi < p].sum()))
    assert worst <= NOMINAL


def _clustered(
    n: int, repeats: int, rng: np.random.Generator, a: float, b: float
) -> NDArray[np.float64]:
    p = rng.beta(a, b, size=(RUNS, n))
    return rng.binomial(repeats, p) / repeats


@pytest.mark.parametrize("n", SIZES)
def test_rate_with_repeats_treats_the_sample_as_the_unit(n: int) -> None:
    a, b = 2.0, 0.3
    truth = a / (a + b)
    rates = _clustered(n, 10, _rng(n, 10), a, b)
    lo, hi = mean_bounds(rates, (0.0, 1.0), 0.95)
    assert np.mean(lo > truth) <= NOMINAL + SLACK
    assert np.mean(hi < truth) <= NOMINAL + SLACK
    assert _coverage(lo, hi, truth) >= 0.94


# --------------------------------------------------------------------------- means


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("a", "b"), [(8.0, 1.5), (0.5, 0.5), (2.0, 5.0)])
def test_bounded_mean_holds_its_level(n: int, a: float, b: float) -> None:
    truth = a / (a + b)
    x = _rng(n, a, b).beta(a, b, size=(RUNS, n))
    lo, hi = mean_bounds(x, (0.0, 1.0), 0.95)
    assert np.mean(lo > truth) <= NOMINAL + SLACK
    assert np.mean(hi < truth) <= NOMINAL + SLACK
    assert _coverage(lo, hi, truth) >= 0.94


# --------------------------------------------------------------------------- paired


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("margin", [0.02, 0.05, 0.10])
@pytest.mark.parametrize("discordant", [0.0, 0.1, 0.4])
def test_paired_rate_non_inferiority_at_the_margin(
    n: int, margin: float, discordant: float
) -> None:
    worse = margin + discordant / 2  # P(candidate fails, baseline passes)
    better = discordant / 2  # so that better - worse = -margin: exactly on the margin
    counts = _rng(n, margin, discordant).multinomial(n, [better, worse, 1 - better - worse], RUNS)
    lo, hi = tango_bounds(counts[:, 0], counts[:, 1], n)
    assert np.mean(lo > -margin) <= NOMINAL + SLACK
    assert _coverage(lo, hi, -margin) >= 0.94


def test_paired_rate_superiority_at_zero() -> None:
    for n in SIZES:
        counts = _rng(n, 7).multinomial(n, [0.1, 0.1, 0.8], RUNS)
        lo, _ = tango_bounds(counts[:, 0], counts[:, 1], n)
        assert np.mean(lo > 0) <= NOMINAL + SLACK


@pytest.mark.parametrize("n", SIZES)
def test_paired_scores_with_repeats_at_the_margin(n: int) -> None:
    rng = _rng(n, 3)
    margin = 0.05
    base = rng.beta(4, 2, size=(RUNS, n))
    # per-sample difference: mean -margin, bounded in [-1, 1], skewed
    shift = rng.beta(1, 4, size=(RUNS, n)) - 0.2 - margin
    diffs = np.clip(base + shift, 0, 1) - base
    truth = float(np.mean(diffs))  # the population value, by the law of large numbers
    lo, hi = mean_bounds(diffs, (-1.0, 1.0), 0.95)
    assert np.mean(lo > truth) <= NOMINAL + SLACK
    assert _coverage(lo, hi, truth) >= 0.94


# --------------------------------------------------------------------------- quantiles


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("q", [0.95, 0.99])
def test_quantile_interval_holds_its_level(n: int, q: float) -> None:
    truth = float(np.exp(1.0 * _norm_ppf(q)))  # lognormal(0, 1) quantile
    x = np.sort(_rng(n, q).lognormal(0, 1, size=(RUNS, n)), axis=1)
    lower, upper = order_ranks(n, q, 0.95)
    hi = x[:, upper - 1] if upper <= n else np.full(RUNS, np.inf)
    lo = x[:, lower - 1] if lower >= 1 else np.full(RUNS, -np.inf)
    assert np.mean(hi <= truth) <= NOMINAL + SLACK  # a max gate at the true quantile
    assert _coverage(lo, hi, truth) >= 0.94


def test_quantile_power_is_exact_for_the_order_statistic() -> None:
    rng = _rng(5)
    values = rng.lognormal(0, 1, 5000)
    stat = QuantileStatistic(values, 0.95)
    bound = float(np.quantile(values, 0.97))
    predicted = stat.pass_probability("max", bound, 400, 0.95)
    fresh = rng.choice(values, size=(RUNS, 400))
    _, upper = order_ranks(400, 0.95, 0.95)
    seen = float(np.mean(np.sort(fresh, axis=1)[:, upper - 1] <= bound))
    assert abs(predicted - seen) < 0.03


def _norm_ppf(q: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(q))


# --------------------------------------------------------------------------- ratio


def _ratio_runs(n: int, runs: int = 1000) -> tuple[float, float]:
    """Coverage and false-pass rate of a ``max`` gate at the true cost increase."""
    rng = _rng(n, 9)
    truth = math.exp(0.1 + 0.02) - 1
    hits = false_pass = 0
    for _ in range(runs):
        base = rng.lognormal(0, 0.5, n)
        cand = base * rng.lognormal(0.1, 0.2, n)
        lo, hi = RatioStatistic(cand, base).interval(0.95)
        hits += lo <= truth <= hi
        false_pass += hi <= truth
    return hits / runs, false_pass / runs


@pytest.mark.parametrize("n", SIZES)
def test_paired_cost_ratio_coverage(n: int) -> None:
    coverage, _ = _ratio_runs(n)
    assert coverage >= 0.93  # 1000 runs: +-0.7 pp


@pytest.mark.xfail(
    strict=True,
    reason="known gap: the delta-method ratio interval is "
    "anti-conservative for skewed costs (4.4% at n=20, 3.0% at n=100)",
)
def test_paired_cost_ratio_false_pass_holds_the_nominal_level() -> None:
    worst = max(_ratio_runs(n)[1] for n in (20, 100))
    assert worst <= NOMINAL + 3 * math.sqrt(NOMINAL * (1 - NOMINAL) / 1000)

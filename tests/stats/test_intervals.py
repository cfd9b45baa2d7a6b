import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.errors import UsageError
from clearance.stats import (
    effective_size,
    mean_interval,
    quantile_interval,
    rate_interval,
    wilson_interval,
)


def test_wilson_matches_closed_form_values() -> None:
    # Reference values: Wilson (1927) formula evaluated by hand at z = 1.959964.
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(0.27753, abs=1e-5)
    lo, hi = wilson_interval(5, 10)
    assert (lo, hi) == pytest.approx((0.23659, 0.76341), abs=1e-5)


@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_is_inside_unit_interval_and_holds_the_estimate(kn: tuple[int, int]) -> None:
    k, n = kn
    lo, hi = wilson_interval(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_wilson_rejects_bad_counts() -> None:
    with pytest.raises(UsageError):
        wilson_interval(3, 2)
    with pytest.raises(UsageError):
        wilson_interval(1, 10, confidence=1.5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=200))
def test_bounded_mean_interval_brackets_the_mean_inside_the_range(xs: list[float]) -> None:
    lo, hi = mean_interval(xs, 0.95, (0.0, 1.0))
    mean = float(np.mean(xs))
    assert 0.0 <= lo <= mean + 1e-12
    assert mean - 1e-12 <= hi <= 1.0


def test_a_few_perfect_scores_are_not_proof_of_a_high_mean() -> None:
    lo, _ = mean_interval([1.0, 1.0, 1.0], 0.95, (0.0, 1.0))
    assert lo < 0.5
    lo, _ = mean_interval([1.0] * 400, 0.95, (0.0, 1.0))
    assert lo > 0.98
    # without a known range, equal values have a zero-width interval
    assert mean_interval([2.0, 2.0, 2.0]) == (2.0, 2.0)


def test_quantile_interval_uses_order_statistics() -> None:
    x = np.arange(1.0, 101.0)  # 1..100
    lo, hi = quantile_interval(x, 0.5)
    # exact binomial ranks for the median of 100 at 95%: 40th and 61st values
    assert (lo, hi) == (40.0, 61.0)
    # p99 from 100 calls cannot be bounded from above; from 368 it can
    assert quantile_interval(x, 0.99)[1] == float("inf")
    assert np.isfinite(quantile_interval(np.arange(368.0), 0.99)[1])


def test_rate_with_repeats_counts_samples_not_repeats() -> None:
    # 50 samples x 10 identical repeats: worth 50 observations, not 500
    rates = np.repeat([0.0, 1.0], 25)
    with_repeats = rate_interval(rates, np.full(50, 10.0))
    single = wilson_interval(25, 50)
    assert with_repeats[1] - with_repeats[0] >= 0.9 * (single[1] - single[0])
    assert effective_size(rates, np.full(50, 10.0)) <= 50.5


def test_intervals_reject_empty_or_nan() -> None:
    with pytest.raises(UsageError):
        mean_interval([])
    with pytest.raises(UsageError):
        quantile_interval([1.0, float("nan")], 0.5)

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.errors import UsageError
from clearance.stats import (
    bootstrap_mean_interval,
    bootstrap_quantile_interval,
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
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=200), st.integers(0, 2**31))
def test_bootstrap_mean_interval_is_seeded_and_brackets_the_mean(
    xs: list[float], seed: int
) -> None:
    first = bootstrap_mean_interval(xs, n_resamples=300, seed=seed)
    assert first == bootstrap_mean_interval(xs, n_resamples=300, seed=seed)
    assert first[0] <= first[1]
    slack = 1e-9 * (1 + max(abs(x) for x in xs))  # float rounding of the means
    assert min(xs) - slack <= first[0]
    assert first[1] <= max(xs) + slack


def test_bootstrap_mean_interval_covers_the_true_mean_most_of_the_time() -> None:
    rng = np.random.default_rng(1)
    hits = sum(
        lo <= 1.0 <= hi
        for lo, hi in (
            bootstrap_mean_interval(rng.exponential(1.0, 80), n_resamples=400, seed=i)
            for i in range(200)
        )
    )
    assert 0.88 <= hits / 200 <= 0.99


def test_bootstrap_quantile_interval_brackets_the_p95() -> None:
    x = np.random.default_rng(2).lognormal(5, 0.5, 2000)
    lo, hi = bootstrap_quantile_interval(x, 0.95, n_resamples=500)
    assert lo <= np.quantile(x, 0.95) <= hi
    assert hi - lo < 0.2 * np.quantile(x, 0.95)


def test_bootstrap_rejects_empty_or_nan() -> None:
    with pytest.raises(UsageError):
        bootstrap_mean_interval([])
    with pytest.raises(UsageError):
        bootstrap_quantile_interval([1.0, float("nan")], 0.5)

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from clearance.errors import UsageError
from clearance.stats import (
    PairedStatistic,
    mcnemar_exact_p,
    paired_mean_test,
    paired_rate_test,
    paired_ratio_interval,
    tango_interval,
)


def test_mcnemar_exact_p_matches_the_binomial_test() -> None:
    assert mcnemar_exact_p(0, 5) == pytest.approx(2 / 32)
    for b, c in [(3, 11), (10, 10), (25, 9)]:
        ref = sps.binomtest(b, b + c, 0.5).pvalue
        assert mcnemar_exact_p(b, c) == pytest.approx(ref)
    assert mcnemar_exact_p(0, 0) == 1.0


def _pairs(b: int, c: int, same: int) -> tuple[np.ndarray, np.ndarray]:
    cand = np.array([1] * b + [0] * c + [1] * same)
    base = np.array([0] * b + [1] * c + [1] * same)
    return cand, base


def test_identical_outputs_on_three_samples_do_not_pass_non_inferiority() -> None:
    result = paired_rate_test(*_pairs(0, 0, 3), margin=0.05)
    assert result.decision == "inconclusive"
    assert result.interval[0] < -0.5


def test_identical_outputs_on_400_samples_pass_non_inferiority() -> None:
    result = paired_rate_test(*_pairs(0, 0, 400), margin=0.05)
    assert result.decision == "pass"
    assert result.interval[0] > -0.05


def test_identical_outputs_on_30_samples_are_not_enough_for_margin_005() -> None:
    assert paired_rate_test(*_pairs(0, 0, 30), margin=0.05).decision == "inconclusive"


def test_the_decision_is_the_position_of_the_printed_interval() -> None:
    for b, c, same in [(2, 40, 958), (14, 4, 82), (1, 1, 8), (0, 0, 5000), (30, 31, 300)]:
        r = paired_rate_test(*_pairs(b, c, same), margin=0.01)
        lo, hi = r.interval
        expected = "pass" if lo > -0.01 else "fail" if hi <= -0.01 else "inconclusive"
        assert r.decision == expected


def test_tango_is_close_to_the_published_score_interval() -> None:
    # Tango (1998) score interval for b=40, c=20, n=160 is about (0.0305, 0.2183);
    # ours is continuity-corrected, so it contains it and is a little wider.
    lo, hi = tango_interval(40, 20, 160)
    assert lo <= 0.0305 and hi >= 0.2183
    assert lo > 0.02 and hi < 0.23


def test_lower_is_better_flips_the_orientation() -> None:
    cand, base = _pairs(2, 40, 958)  # candidate has fewer 1s: good if 1 = failure
    result = paired_rate_test(cand, base, margin=0.0, higher_is_better=False)
    assert result.decision == "pass"
    assert result.estimate < 0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.integers(1, 100))
def test_swapping_arms_mirrors_the_interval(b: int, c: int, same: int) -> None:
    cand, base = _pairs(b, c, same)
    ab = paired_rate_test(cand, base)
    ba = paired_rate_test(base, cand)
    assert ab.interval[0] == pytest.approx(-ba.interval[1], abs=1e-9)
    assert ab.interval[0] <= ab.estimate <= ab.interval[1]


def test_paired_scores_detect_a_shift_and_respect_the_margin() -> None:
    rng = np.random.default_rng(3)
    base = rng.uniform(0, 1, 400)
    cand = np.clip(base + rng.normal(0.05, 0.05, 400), 0, 1)
    sup = paired_mean_test([[v] for v in cand], [[v] for v in base], alternative="superiority")
    assert sup.decision == "pass"
    far = paired_mean_test(
        [[v] for v in cand], [[v] for v in base], alternative="superiority", margin=0.2
    )
    assert far.decision == "fail"


def test_identical_scores_on_three_samples_do_not_pass() -> None:
    same = [[0.7], [0.9], [0.4]]
    assert paired_mean_test(same, same, margin=0.05).decision == "inconclusive"


def test_repeats_are_nested_in_their_sample() -> None:
    # 20 samples x 10 repeats: the unit is the sample, so n is 20
    rng = np.random.default_rng(0)
    cand = tuple(rng.integers(0, 2, 10).astype(float) for _ in range(20))
    base = tuple(rng.integers(0, 2, 10).astype(float) for _ in range(20))
    stat = PairedStatistic(cand, base)
    assert stat.n == 20
    assert not stat.tango


def test_paired_cost_ratio_of_identical_arms_is_exactly_zero() -> None:
    costs = np.random.default_rng(1).lognormal(-8, 0.6, 300)
    increase, (lo, hi) = paired_ratio_interval(costs, costs)
    assert increase == 0.0
    assert lo == pytest.approx(0.0) and hi == pytest.approx(0.0)


def test_paired_inputs_are_checked() -> None:
    with pytest.raises(UsageError):
        paired_rate_test([1, 0], [1])
    with pytest.raises(UsageError):
        paired_rate_test([0, 2], [1, 1])
    with pytest.raises(UsageError):
        paired_rate_test([0, 1], [1, 1], alternative="other")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        paired_ratio_interval([1.0], [0.0])


def test_an_identical_release_differs_from_its_baseline_only_as_reruns_do() -> None:
    # candidate and baseline disagree on 60 of 200 samples, but an identical release
    # without repeats reproduces the baseline: its pass chance is that of zero discordance
    cand = tuple(np.array([1.0]) for _ in range(200))
    base = tuple(np.array([0.0 if i < 60 else 1.0]) for i in range(200))
    stat = PairedStatistic(cand, base)
    assert stat.pass_probability("min", -0.05, 200, 0.95, null=True) == 1.0
    assert stat.pass_probability("min", -0.05, 3, 0.95, null=True) == 0.0
    # with repeats, the baseline's own run-to-run spread is the noise
    noisy = tuple(np.array([1.0, 0.0]) if i % 2 else np.array([1.0, 1.0]) for i in range(200))
    shaky = PairedStatistic(noisy, noisy)
    assert 0.0 < shaky.pass_probability("min", -0.05, 200, 0.95, null=True) < 1.0

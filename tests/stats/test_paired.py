import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from clearance.errors import UsageError
from clearance.stats import mcnemar_exact_p, mcnemar_test, paired_bootstrap


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


def test_mcnemar_one_sided_p_at_zero_margin_is_the_exact_tail() -> None:
    cand, base = _pairs(14, 4, 82)
    result = mcnemar_test(cand, base, alternative="superiority")
    assert result.p_value == pytest.approx(sps.binom.sf(13, 18, 0.5))
    assert result.estimate == pytest.approx(0.10)
    assert result.decision == "pass"


def test_mcnemar_non_inferiority_decisions() -> None:
    worse = mcnemar_test(*_pairs(2, 40, 958), margin=0.01)
    assert worse.decision == "fail"
    assert worse.interval[1] < -0.01
    tiny = mcnemar_test(*_pairs(1, 1, 8), margin=0.05)
    assert tiny.decision == "inconclusive"
    same = mcnemar_test(*_pairs(0, 0, 5000), margin=0.01)
    assert same.decision == "pass"


def test_lower_is_better_flips_the_orientation() -> None:
    cand, base = _pairs(2, 40, 958)  # candidate has fewer 1s: good if 1 = failure
    result = mcnemar_test(cand, base, margin=0.0, higher_is_better=False)
    assert result.decision == "pass"
    assert result.estimate < 0


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 30), st.integers(0, 30), st.integers(1, 100))
def test_swapping_arms_mirrors_the_interval(b: int, c: int, same: int) -> None:
    cand, base = _pairs(b, c, same)
    ab = mcnemar_test(cand, base)
    ba = mcnemar_test(base, cand)
    assert ab.interval[0] == pytest.approx(-ba.interval[1])
    assert ab.interval[0] <= ab.estimate <= ab.interval[1]


def test_paired_bootstrap_detects_a_shift_and_respects_the_margin() -> None:
    rng = np.random.default_rng(3)
    base = rng.uniform(0, 1, 400)
    cand = np.clip(base + rng.normal(0.05, 0.05, 400), 0, 1)
    sup = paired_bootstrap(cand, base, alternative="superiority", n_resamples=2000)
    assert sup.decision == "pass"
    assert sup.p_value < 0.01
    far = paired_bootstrap(cand, base, alternative="superiority", margin=0.2)
    assert far.decision == "fail"


def test_paired_inputs_are_checked() -> None:
    with pytest.raises(UsageError):
        paired_bootstrap([1.0, 2.0], [1.0])
    with pytest.raises(UsageError):
        mcnemar_test([0, 2], [1, 1])
    with pytest.raises(UsageError):
        mcnemar_test([0, 1], [1, 1], alternative="other")  # type: ignore[arg-type]

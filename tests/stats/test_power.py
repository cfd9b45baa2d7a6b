import math

import numpy as np
import pytest
from scipy import stats as sps

from clearance.errors import UsageError
from clearance.stats import (
    SampleSizeCheck,
    samples_for_mean_difference,
    samples_for_paired_binary,
    samples_for_rate_difference,
)


def test_mean_difference_matches_the_textbook_formula() -> None:
    # n = 2 (z_{0.95} + z_{0.8})^2 sd^2 / d^2 = 2 * 2.486^2 = 12.37 -> 13 at d = sd.
    assert samples_for_mean_difference(1.0, 1.0) == 13
    assert samples_for_mean_difference(1.0, 1.0, paired=True) == 7


def test_rate_difference_reaches_its_power_when_simulated() -> None:
    n = samples_for_rate_difference(0.02, 0.01, alpha=0.05, power=0.8)
    rng = np.random.default_rng(0)
    kc = rng.binomial(n, 0.03, 4000)
    kb = rng.binomial(n, 0.02, 4000)
    pooled = (kc + kb) / (2 * n)
    z = (kc - kb) / n / np.sqrt(2 * pooled * (1 - pooled) / n)
    power = np.mean(z > sps.norm.isf(0.05))
    assert 0.77 <= power <= 0.85


def test_paired_binary_sizes_shrink_with_less_discordance() -> None:
    assert samples_for_paired_binary(0.1, 0.05) < samples_for_paired_binary(0.3, 0.05)
    with pytest.raises(UsageError):
        samples_for_paired_binary(0.01, 0.05)


def test_sample_size_check_says_when_it_is_too_small() -> None:
    needed = samples_for_rate_difference(0.1, -0.05)
    check = SampleSizeCheck(have=50, needed=needed)
    assert not check.enough
    assert f"needs >= {needed}" in check.message
    assert SampleSizeCheck(have=needed, needed=needed).enough
    assert math.isfinite(needed)


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        samples_for_rate_difference(0.99, 0.05)
    with pytest.raises(UsageError):
        samples_for_mean_difference(0.0, 1.0)

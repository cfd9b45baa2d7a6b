"""Statistics for release decisions: intervals, paired tests, sample sizes and the
anytime-valid sequential tests the rollout monitor uses. Pure functions, no I/O."""

from clearance.stats._intervals import (
    Interval,
    bootstrap_mean_interval,
    bootstrap_quantile_interval,
    bootstrap_statistics,
    wilson_interval,
)
from clearance.stats._paired import (
    PairedResult,
    mcnemar_exact_p,
    mcnemar_test,
    paired_bootstrap,
)
from clearance.stats._power import (
    SampleSizeCheck,
    samples_for_mean_difference,
    samples_for_paired_binary,
    samples_for_rate_difference,
)
from clearance.stats._sequential import (
    DEFAULT_PRIOR_N,
    confidence_sequence,
    information_ratio,
    mean_z,
    mixture_boundary,
    normal_mixture_log_e,
    rate_difference_interval,
    rate_z,
    restricted_rates,
    srm_log_e,
    standardized_log_e,
)

__all__ = [
    "DEFAULT_PRIOR_N",
    "Interval",
    "PairedResult",
    "SampleSizeCheck",
    "bootstrap_mean_interval",
    "bootstrap_quantile_interval",
    "bootstrap_statistics",
    "confidence_sequence",
    "information_ratio",
    "mcnemar_exact_p",
    "mcnemar_test",
    "mean_z",
    "mixture_boundary",
    "normal_mixture_log_e",
    "paired_bootstrap",
    "rate_difference_interval",
    "rate_z",
    "restricted_rates",
    "samples_for_mean_difference",
    "samples_for_paired_binary",
    "samples_for_rate_difference",
    "srm_log_e",
    "standardized_log_e",
    "wilson_interval",
]

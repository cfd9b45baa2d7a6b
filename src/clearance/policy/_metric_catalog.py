"""The built-in metrics: one entry per metric with its area and how it is produced.

``estimate`` metrics come with a confidence interval and ``count`` metrics without one,
both computed by the checklist from eval outcomes (their producers register by name in
:mod:`clearance.checklist._metrics`); ``probe`` metrics are measured by the release
probes (:mod:`clearance.release._probes`). Probes and counts are measurements: gates on
them are decided on the value, not an interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from clearance.policy._areas import PROBED_AREAS, area_of

MetricKind = Literal["estimate", "count", "probe"]


@dataclass(frozen=True)
class MetricSpec:
    """One built-in metric, named ``AREA.NAME``."""

    name: str
    kind: MetricKind
    description: str

    @property
    def area(self) -> str:
        return area_of(self.name)


METRIC_CATALOG: tuple[MetricSpec, ...] = (
    MetricSpec("reliability.error_rate", "estimate", "share of requests that failed after retries"),
    MetricSpec("reliability.timeout_rate", "estimate", "share of requests that timed out"),
    MetricSpec(
        "reliability.baseline_agreement",
        "estimate",
        "share of samples where candidate and baseline agree",
    ),
    MetricSpec("latency.p50_ms", "estimate", "median request latency"),
    MetricSpec("latency.p90_ms", "estimate", "90th percentile request latency"),
    MetricSpec("latency.p95_ms", "estimate", "95th percentile request latency"),
    MetricSpec("latency.p99_ms", "estimate", "99th percentile request latency"),
    MetricSpec("cost.per_request_usd", "estimate", "mean cost of one request"),
    MetricSpec("cost.monthly_usd", "estimate", "projected monthly cost at the expected traffic"),
    MetricSpec(
        "cost.increase_vs_baseline",
        "estimate",
        "relative increase of mean cost per request vs the baseline",
    ),
    MetricSpec(
        "privacy.pii_output_rate", "estimate", "share of all outputs containing personal data"
    ),
    MetricSpec("security.secret_leaks", "count", "outputs containing a declared secret"),
    MetricSpec("security.overdue_key_rotations", "probe", "provider keys past their maximum age"),
    MetricSpec("privacy.overdue_data_requests", "probe", "user data requests past their due date"),
    MetricSpec(
        "monitoring.sink_round_trip",
        "probe",
        "1 when a telemetry event written to the sink reads back",
    ),
    MetricSpec(
        "monitoring.triggers_emitted",
        "probe",
        "share of trigger metrics present in recent telemetry",
    ),
    MetricSpec("monitoring.incident_owners", "probe", "number of people who review incidents"),
    MetricSpec("rollback.baseline_healthy", "probe", "1 when the baseline answers its preflight"),
    MetricSpec("rollback.drill_seconds", "probe", "time to switch the route back to the baseline"),
    MetricSpec(
        "documentation.card_complete", "probe", "1 when the card passes `clearance card --check`"
    ),
)

METRIC_BY_NAME: dict[str, MetricSpec] = {m.name: m for m in METRIC_CATALOG}
BUILTIN_METRICS: dict[str, str] = {m.name: m.description for m in METRIC_CATALOG}
"""Metrics clearance computes itself, usable in gates without declaring a suite."""
PROBE_METRICS: tuple[str, ...] = tuple(m.name for m in METRIC_CATALOG if m.kind == "probe")
"""The metrics the release probes measure."""


def builtin_metric(name: str) -> str:
    """``name``, checked to be a built-in metric (a KeyError names it otherwise)."""
    return METRIC_BY_NAME[name].name


def probe_metric(name: str) -> str:
    """``name``, checked to be a probe metric of the catalog: how the release probes
    name what they measure, so a renamed or unregistered probe fails at once."""
    if METRIC_BY_NAME[name].kind != "probe":
        raise ValueError(f"{name} is not a probe metric")
    return name


def is_probe(metric: str) -> bool:
    """Measured by a release probe: a probe metric, or any metric of a probed area."""
    spec = METRIC_BY_NAME.get(metric)
    return area_of(metric) in PROBED_AREAS or (spec is not None and spec.kind == "probe")


def is_measurement(metric: str) -> bool:
    """Metrics that are measured, not estimated: probes and counts have no interval."""
    spec = METRIC_BY_NAME.get(metric)
    probed = "." in metric and area_of(metric) in PROBED_AREAS
    return probed or (spec is not None and spec.kind != "estimate")

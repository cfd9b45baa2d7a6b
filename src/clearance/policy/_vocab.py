"""The fixed vocabulary of a policy: areas, duties, stages, built-in suites and metrics,
trigger kinds and telemetry fields. Other layers import these names from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from clearance.policy._areas import AREAS as AREAS
from clearance.policy._areas import DUTIES as DUTIES
from clearance.policy._areas import Area as Area
from clearance.policy._areas import Duty as Duty
from clearance.policy._metric_catalog import BUILTIN_METRICS as BUILTIN_METRICS

StageKind = Literal[
    "offline_evals",
    "internal_dogfood",
    "limited_beta",
    "canary",
    "staged_rollout",
    "full_rollout",
]
STAGE_ORDER: tuple[StageKind, ...] = get_args(StageKind)

Action = Literal["rollback", "pause", "disable_tool", "notify"]

Severity = Literal["low", "medium", "high", "critical"]
"""How severe an incident (or a risk on the card) is."""
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
GateSeverity = Literal["fail", "warn"]
"""What a breached gate does: ``fail`` blocks the release, ``warn`` records it."""

BuiltinSuiteName = Literal[
    "harmful-refusal",
    "over-refusal",
    "prompt-injection",
    "pii-leakage",
    "consistency",
]
BUILTIN_SUITES: dict[str, tuple[str, ...]] = {
    "harmful-refusal": ("refusal_rate",),
    "over-refusal": ("refusal_rate",),
    "prompt-injection": ("attack_success_rate",),
    "pii-leakage": ("leak_rate",),
    "consistency": ("agreement",),
}
"""Built-in suite -> the metrics it reports (used as ``SUITE.METRIC`` in gates)."""

USER_SUITE_METRICS: tuple[str, ...] = ("score", "pass_rate")
"""Metrics every user suite reports."""

TelemetryMetric = Literal[
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "quality",
    "feedback",
    "safety_event",
    "escalated",
    "schema_ok",
    "hallucination_report",
    "retrieval_score",
    "tool_calls",
    "tool_errors",
]
TELEMETRY_METRICS: tuple[TelemetryMetric, ...] = get_args(TelemetryMetric)
"""Numeric or boolean fields of a telemetry event that a trigger may watch."""


@dataclass(frozen=True)
class TelemetryField:
    """How a telemetry field is stored, and for a flag which value is the good one."""

    name: TelemetryMetric
    stored: Literal["float", "integer", "boolean"]
    true_is_good: bool = False
    """For a flag: ``true`` is the desired value (``schema_ok``), so its rate counts
    the events where it is false."""


TELEMETRY_FIELDS: tuple[TelemetryField, ...] = (
    TelemetryField("latency_ms", "float"),
    TelemetryField("input_tokens", "integer"),
    TelemetryField("output_tokens", "integer"),
    TelemetryField("cost_usd", "float"),
    TelemetryField("quality", "float"),
    TelemetryField("feedback", "integer"),
    TelemetryField("safety_event", "boolean"),
    TelemetryField("escalated", "boolean"),
    TelemetryField("schema_ok", "boolean", true_is_good=True),
    TelemetryField("hallucination_report", "boolean"),
    TelemetryField("retrieval_score", "float"),
    TelemetryField("tool_calls", "integer"),
    TelemetryField("tool_errors", "integer"),
)
"""One entry per field of :data:`TELEMETRY_METRICS`, in the same order."""
INTEGER_FIELDS: tuple[TelemetryMetric, ...] = tuple(
    f.name for f in TELEMETRY_FIELDS if f.stored == "integer"
)
BOOLEAN_FIELDS: tuple[TelemetryMetric, ...] = tuple(
    f.name for f in TELEMETRY_FIELDS if f.stored == "boolean"
)
GOOD_WHEN_TRUE: tuple[TelemetryMetric, ...] = tuple(
    f.name for f in TELEMETRY_FIELDS if f.true_is_good
)

TriggerKind = Literal[
    "schema_failure_rate",
    "hallucination_reports",
    "safety_incident",
    "cost_spike",
    "latency_slo_breach",
    "retrieval_quality_drop",
    "tool_call_errors",
    "quality_drop",
    "feedback_drop",
    "escalation_rate",
    "custom",
]

Statistic = Literal["rate", "mean", "geometric_mean", "count", "incident_split", "share_above"]
"""How a trigger compares its metric between the arms:

- ``rate``: share of events whose boolean field is bad (two-arm score test);
- ``mean``: arithmetic mean of a numeric field (ratio of means by the delta method when
  the margin is relative; cost is additive, so a few huge requests count);
- ``geometric_mean``: mean of ``log(value + offset)``, i.e. the ratio of geometric means
  (the typical request, insensitive to a heavy tail); only with a relative margin;
- ``share_above``: share of events above ``threshold`` (e.g. a latency SLO);
- ``incident_split``: rare incidents, tested by how they split between the arms against
  each arm's share of the traffic (anytime-valid, spends the trigger's alpha);
- ``count``: zero tolerance, fires when the candidate has more than ``max_incidents``
  (or ``threshold``) incidents; ignores the control and is not error-controlled."""


@dataclass(frozen=True)
class TriggerSpec:
    """Defaults a trigger kind gives to ``metric``, ``statistic`` and ``worse_when``."""

    metric: TelemetryMetric | None
    statistic: Statistic | None
    worse_when: Literal["higher", "lower"]
    description: str


TRIGGER_KINDS: dict[str, TriggerSpec] = {
    "schema_failure_rate": TriggerSpec(
        "schema_ok", "rate", "lower", "share of responses that fail their output schema rises"
    ),
    "hallucination_reports": TriggerSpec(
        "hallucination_report", "rate", "higher", "share of responses reported as hallucinated"
    ),
    "safety_incident": TriggerSpec(
        "safety_event",
        "incident_split",
        "higher",
        "the candidate's share of safety incidents exceeds its share of the traffic",
    ),
    "cost_spike": TriggerSpec("cost_usd", "mean", "higher", "mean cost per request rises"),
    "latency_slo_breach": TriggerSpec(
        "latency_ms", "share_above", "higher", "share of requests over the latency SLO rises"
    ),
    "retrieval_quality_drop": TriggerSpec(
        "retrieval_score", "mean", "lower", "mean retrieval score drops"
    ),
    "tool_call_errors": TriggerSpec(
        "tool_errors", "rate", "higher", "share of requests with a tool-call error rises"
    ),
    "quality_drop": TriggerSpec("quality", "mean", "lower", "mean response quality drops"),
    "feedback_drop": TriggerSpec("feedback", "mean", "lower", "mean user feedback (-1 to 1) drops"),
    "escalation_rate": TriggerSpec(
        "escalated", "rate", "higher", "share of conversations escalated to a human rises"
    ),
    "custom": TriggerSpec(None, None, "higher", "a metric the policy names"),
}

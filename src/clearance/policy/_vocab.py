"""The fixed vocabulary of a policy: areas, duties, stages, built-in suites and metrics,
trigger kinds and telemetry fields. Other layers import these names from here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Area = Literal[
    "capability",
    "safety",
    "security",
    "privacy",
    "reliability",
    "cost",
    "latency",
    "monitoring",
    "rollback",
    "documentation",
]
AREAS: tuple[Area, ...] = get_args(Area)

Duty = Literal[
    "approve_changes",
    "own_evals",
    "review_incidents",
    "disable_tools",
    "handle_data_requests",
    "rotate_provider_keys",
    "manage_users",
]
DUTIES: tuple[Duty, ...] = get_args(Duty)

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

BUILTIN_METRICS: dict[str, str] = {
    "reliability.error_rate": "share of requests that failed after retries",
    "reliability.timeout_rate": "share of requests that timed out",
    "reliability.baseline_agreement": "share of samples where candidate and baseline agree",
    "latency.p50_ms": "median request latency",
    "latency.p95_ms": "95th percentile request latency",
    "latency.p99_ms": "99th percentile request latency",
    "cost.per_request_usd": "mean cost of one request",
    "cost.monthly_usd": "projected monthly cost at the expected traffic",
    "cost.increase_vs_baseline": "relative increase of mean cost per request vs the baseline",
    "privacy.pii_output_rate": "share of all outputs containing personal data",
    "security.secret_leaks": "outputs containing a declared secret",
    "security.overdue_key_rotations": "provider keys past their maximum age",
    "privacy.overdue_data_requests": "user data requests past their due date",
    "monitoring.sink_round_trip": "1 when a telemetry event written to the sink reads back",
    "monitoring.triggers_emitted": "share of trigger metrics present in recent telemetry",
    "monitoring.incident_owners": "number of people who review incidents",
    "rollback.baseline_healthy": "1 when the baseline answers its preflight",
    "rollback.drill_seconds": "time to switch the route back to the baseline",
    "documentation.card_complete": "1 when the card passes `clearance card --check`",
}
"""Metrics clearance computes itself, usable in gates without declaring a suite."""

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

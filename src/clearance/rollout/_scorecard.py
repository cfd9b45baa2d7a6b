"""The stage scorecard: candidate vs control on the six comparisons every stage makes.

Quality, latency, cost, user feedback, safety events and escalations, each from the
trigger that watches its telemetry field (the trigger's anytime-valid interval and
evidence), or marked ``not_watched`` when the policy declares no trigger for it, so a
reader sees what the rollout is blind to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel

from clearance.rollout._trackers import MetricReport, Scale, Status

COMPARISONS: dict[str, tuple[str, ...]] = {
    "quality": ("quality",),
    "latency": ("latency_ms",),
    "cost": ("cost_usd", "input_tokens", "output_tokens"),
    "feedback": ("feedback",),
    "safety events": ("safety_event",),
    "escalation": ("escalated",),
}
"""Each comparison and the telemetry fields that measure it (first match is shown first)."""


class ScoreRow(BaseModel):
    """One comparison of the scorecard: the trigger watching it and where it stands."""

    comparison: str
    status: Status | Literal["not_watched"]
    trigger: str | None = None
    metric: str | None = None
    statistic: str | None = None
    n_candidate: int = 0
    n_control: int = 0
    candidate: float | None = None
    control: float | None = None
    effect: float | None = None
    interval: tuple[float, float] | None = None
    """Anytime-valid interval of ``effect`` (on ``scale``)."""
    scale: Scale = "difference"
    e_value: float | None = None
    fires_at: float | None = None
    """The e-value at which the trigger fires (1 / its alpha)."""
    summary: str = ""


def scorecard(
    reports: Sequence[MetricReport], describe: Callable[[MetricReport], str]
) -> list[ScoreRow]:
    """The six comparisons from the triggers' reports (a comparison watched by several
    triggers gets a row for each)."""
    rows: list[ScoreRow] = []
    for name, fields in COMPARISONS.items():
        found = sorted(
            (r for r in reports if r.metric in fields), key=lambda r: fields.index(r.metric)
        )
        if not found:
            rows.append(
                ScoreRow(
                    comparison=name,
                    status="not_watched",
                    summary=f"{name}: not watched (no trigger on {', '.join(fields)})",
                )
            )
        rows += [_row(name, r, describe(r)) for r in found]
    return rows


def _row(name: str, r: MetricReport, summary: str) -> ScoreRow:
    return ScoreRow(
        comparison=name,
        status=r.status,
        trigger=r.trigger,
        metric=r.metric,
        statistic=r.statistic,
        n_candidate=r.n_candidate,
        n_control=r.n_control,
        candidate=r.candidate,
        control=r.control,
        effect=r.effect,
        interval=r.interval,
        scale=r.scale,
        e_value=r.e_value,
        fires_at=1 / r.alpha if r.alpha > 0 else None,
        summary=summary,
    )

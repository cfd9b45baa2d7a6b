"""The telemetry event: one request served by the candidate or the control arm.

Field names follow DESIGN.md; where the OpenTelemetry GenAI semantic conventions have a
name (``gen_ai.usage.input_tokens``...), that name is accepted as an alias. Unknown
attributes are ignored: telemetry carries more than clearance reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

from clearance.errors import DataError

Arm = Literal["candidate", "control"]


def _alias(*names: str) -> Any:
    return Field(default=None, validation_alias=AliasChoices(*names))


class TelemetryEvent(BaseModel):
    """One request, as seen by the rollout monitor. Metric fields are optional: a field
    that is absent is missing data, never a zero."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    ts: float
    """When the request was served: seconds since the epoch, or an ISO 8601 string."""
    arm: Arm = Field(validation_alias=AliasChoices("arm", "clearance.arm"))
    """Which arm served it."""
    release: str = ""
    """The release (candidate or control version) label."""
    unit: str = Field(default="", validation_alias=AliasChoices("unit", "user.id", "session.id"))
    """User or session id used for sticky routing."""
    latency_ms: float | None = _alias("latency_ms", "gen_ai.client.operation.duration_ms")
    input_tokens: float | None = _alias("input_tokens", "gen_ai.usage.input_tokens")
    output_tokens: float | None = _alias("output_tokens", "gen_ai.usage.output_tokens")
    cost_usd: float | None = _alias("cost_usd", "gen_ai.usage.cost_usd")
    quality: float | None = Field(default=None, ge=0, le=1)
    feedback: float | None = Field(default=None, ge=-1, le=1)
    safety_event: float | None = None
    escalated: float | None = None
    schema_ok: float | None = None
    hallucination_report: float | None = None
    retrieval_score: float | None = None
    tool_calls: float | None = _alias("tool_calls", "gen_ai.tool.calls")
    tool_errors: float | None = _alias("tool_errors", "gen_ai.tool.errors")

    @field_validator("ts", mode="before")
    @classmethod
    def _epoch(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        if isinstance(value, datetime):
            return value.timestamp()
        return value

    @field_validator("unit", "release", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) else value

    def value(self, metric: str) -> float | None:
        """The numeric value of a metric field (booleans as 0/1), or None when absent."""
        raw = getattr(self, metric)
        return None if raw is None else float(raw)


def parse_events(
    events: Iterable[Mapping[str, Any] | TelemetryEvent],
) -> Iterator[TelemetryEvent]:
    """Validate events one by one; a bad one raises :class:`DataError` naming its index."""
    for index, event in enumerate(events):
        if isinstance(event, TelemetryEvent):
            yield event
            continue
        try:
            yield TelemetryEvent.model_validate(event)
        except (ValidationError, ValueError) as exc:
            raise DataError(
                f"telemetry event {index} is invalid: {_first_error(exc)}",
                path=f"events[{index}]",
                fix="each event needs 'ts' and 'arm' (candidate|control); metric fields "
                "must be numbers or booleans",
            ) from exc


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return f"{where}: {err['msg']}"
    return str(exc)

"""The telemetry event: one request served by the candidate or the control arm.

Field names follow DESIGN.md; where the OpenTelemetry GenAI semantic conventions have a
name (``gen_ai.usage.input_tokens``...), that name is accepted as an alias. Attributes
clearance does not read are kept (the store puts them in the event's ``attributes``).

Every event, from the API, ``clearance ingest``, OTLP or ``track()``, is validated by
this one schema, so nothing the store cannot hold or the monitor cannot count gets in:

============================  ==============================================================
field                         accepted
============================  ==============================================================
every number                  finite only: ``NaN``, ``Infinity``, ``"inf"``... are refused
``ts``                        seconds since the epoch (or ISO 8601) from 1970 to 2100
                              (:data:`TS_MAX`); ingest also holds it to a window around now
``latency_ms``                0 to 86,400,000 (one day, :data:`MAX_LATENCY_MS`)
``input_tokens``,             0 to 10,000,000 (:data:`MAX_TOKENS`)
``output_tokens``
``cost_usd``                  0 to 1,000 per request (:data:`MAX_COST_USD`)
``tool_calls``,               0 to 10,000 (:data:`MAX_TOOL_CALLS`)
``tool_errors``
``quality``                   0 to 1
``feedback``                  -1 to 1
``retrieval_score``           -1,000,000 to 1,000,000 (:data:`MAX_SCORE`)
``safety_event``,             ``true``/``false`` or ``0``/``1``
``escalated``, ``schema_ok``,
``hallucination_report``
``release``, ``unit``         at most 200 characters (:data:`MAX_LABEL`)
``event_id``                  at most 100 characters (:data:`MAX_EVENT_ID`)
other keys (attributes)       at most 64 (:data:`MAX_ATTRIBUTES`), names of at most 200
                              characters, JSON values nested at most 8 deep, 16 KiB as
                              JSON in all (:data:`MAX_ATTRIBUTES_BYTES`)
============================  ==============================================================

No string, attribute names and values included, may hold a NUL character or an
unpaired surrogate (PostgreSQL text and JSON cannot store them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
    model_validator,
)

from clearance.errors import DataError

Arm = Literal["candidate", "control"]

TS_MAX = 4_102_444_800.0
"""2100-01-01T00:00:00Z: no event is later (``ts`` must also be >= 0, 1970)."""
MAX_LATENCY_MS = 86_400_000.0
"""One day, in milliseconds."""
MAX_TOKENS = 10_000_000
"""Input or output tokens of one request."""
MAX_COST_USD = 1_000.0
"""Cost of one request, in US dollars."""
MAX_TOOL_CALLS = 10_000
"""Tool calls (or tool errors) in one request."""
MAX_SCORE = 1_000_000.0
"""Bound on the magnitude of ``retrieval_score``."""
MAX_LABEL = 200
"""Characters of ``release`` and ``unit`` (their column width)."""
MAX_EVENT_ID = 100
"""Characters of ``event_id`` (its column width)."""
MAX_ATTRIBUTES = 64
"""Extra attributes (keys clearance does not read) on one event."""
MAX_ATTRIBUTE_KEY = 200
"""Characters of an attribute's name, at any depth."""
MAX_ATTRIBUTE_DEPTH = 8
"""Nesting of lists and objects inside one attribute value."""
MAX_ATTRIBUTES_BYTES = 16_384
"""All extra attributes of one event, serialized as JSON (UTF-8 bytes)."""
_INT64 = 2**63
Flag = StrictBool | Literal[0, 1] | None
"""A boolean field: ``true``/``false`` or ``1``/``0`` (no other number, no string)."""

try:  # orjson is the 'fast' extra; both refuse unpaired surrogates and non-str keys
    import orjson

    def _dumps(value: Any) -> bytes:
        return orjson.dumps(value)

except ImportError:  # pragma: no cover - exercised only without the extra

    def _dumps(value: Any) -> bytes:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8")


def _alias(*names: str, **limits: Any) -> Any:
    return Field(default=None, validation_alias=AliasChoices(*names), **limits)


class TelemetryEvent(BaseModel):
    """One request, as seen by the rollout monitor. Metric fields are optional: a field
    that is absent is missing data, never a zero. Limits: see the module docstring."""

    model_config = ConfigDict(
        extra="allow",
        frozen=True,
        populate_by_name=True,
        allow_inf_nan=False,
        coerce_numbers_to_str=True,  # "unit": 42 is the unit "42"
    )

    ts: float = Field(ge=0, le=TS_MAX)
    """When the request was served: seconds since the epoch, or an ISO 8601 string."""
    arm: Arm = Field(validation_alias=AliasChoices("arm", "clearance.arm"))
    """Which arm served it."""
    release: str = Field(default="", max_length=MAX_LABEL)
    """The release (candidate or control version) label."""
    unit: str = Field(
        default="",
        max_length=MAX_LABEL,
        validation_alias=AliasChoices("unit", "user.id", "session.id"),
    )
    """User or session id used for sticky routing."""
    event_id: str | None = _alias("event_id", "id", max_length=MAX_EVENT_ID)
    """Unique per release: a retried event with the same id is stored once. When absent,
    ingest derives one from the event's content."""
    latency_ms: float | None = _alias(
        "latency_ms", "gen_ai.client.operation.duration_ms", ge=0, le=MAX_LATENCY_MS
    )
    input_tokens: float | None = _alias(
        "input_tokens", "gen_ai.usage.input_tokens", ge=0, le=MAX_TOKENS
    )
    output_tokens: float | None = _alias(
        "output_tokens", "gen_ai.usage.output_tokens", ge=0, le=MAX_TOKENS
    )
    cost_usd: float | None = _alias("cost_usd", "gen_ai.usage.cost_usd", ge=0, le=MAX_COST_USD)
    quality: float | None = Field(default=None, ge=0, le=1)
    feedback: float | None = Field(default=None, ge=-1, le=1)
    safety_event: Flag = None
    escalated: Flag = None
    schema_ok: Flag = None
    hallucination_report: Flag = None
    retrieval_score: float | None = Field(default=None, ge=-MAX_SCORE, le=MAX_SCORE)
    tool_calls: float | None = _alias("tool_calls", "gen_ai.tool.calls", ge=0, le=MAX_TOOL_CALLS)
    tool_errors: float | None = _alias("tool_errors", "gen_ai.tool.errors", ge=0, le=MAX_TOOL_CALLS)

    @field_validator("ts", mode="before")
    @classmethod
    def _epoch(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return _iso_epoch(value)
        if isinstance(value, datetime):
            return _timestamp(value)
        return value

    @model_validator(mode="after")
    def _storable(self) -> TelemetryEvent:
        v = self.__dict__  # one pass for the usual case: short ASCII labels, no extras
        labels = v["release"] + v["unit"] + (v["event_id"] or "")
        if "\x00" in labels or not labels.isascii():
            for name in _LABELS:
                _check_label(name, v[name])
        if self.__pydantic_extra__:
            check_attributes(self.__pydantic_extra__)
        return self

    def value(self, metric: str) -> float | None:
        """The numeric value of a metric field (booleans as 0/1), or None when absent."""
        raw = getattr(self, metric)
        return None if raw is None else float(raw)


def _iso_epoch(value: str) -> float:
    try:
        return _timestamp(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError("not a number of seconds nor an ISO 8601 time") from None


def _timestamp(value: datetime) -> float:
    try:
        return value.timestamp()
    except (OverflowError, OSError):  # a naive time at the edge of the calendar
        raise ValueError("a time out of range") from None


_LABELS = ("release", "unit", "event_id")


def _check_label(name: str, value: str | None) -> None:
    if value is not None:
        try:
            check_text(value)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None


def check_text(value: str) -> None:
    """Raise ValueError when ``value`` cannot be stored as PostgreSQL text or JSON."""
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("contains an unpaired surrogate (not valid UTF-8)") from None


def check_attributes(extra: Mapping[str, Any]) -> int:
    """Raise ValueError unless the extra attributes are within the limits (see the module
    docstring); returns their size as JSON in bytes."""
    if len(extra) > MAX_ATTRIBUTES:
        raise ValueError(f"attributes: {len(extra)} extra keys, at most {MAX_ATTRIBUTES}")
    for key, value in extra.items():  # inline checks for flat values, the usual case
        if type(key) is not str or len(key) > MAX_ATTRIBUTE_KEY or "\x00" in key:
            _check_key(key, MAX_ATTRIBUTES_BYTES)
        kind = type(value)
        if kind is str:
            if "\x00" in value or len(value) > MAX_ATTRIBUTES_BYTES:
                _check_value(value, MAX_ATTRIBUTES_BYTES, 1, key)
        elif kind is float or kind is int:
            if not -_INT64 <= value < _INT64 or value != value:  # NaN != NaN
                _check_value(value, MAX_ATTRIBUTES_BYTES, 1, key)
        elif kind is not bool and value is not None:  # lists, objects, the rest
            _check_value(value, MAX_ATTRIBUTES_BYTES, 1, key)
    try:
        size = len(_dumps(extra))
    except (TypeError, ValueError) as exc:  # orjson: unpaired surrogates, non-str keys...
        raise ValueError(f"attributes: not storable as JSON ({exc})") from None
    if size > MAX_ATTRIBUTES_BYTES:
        raise ValueError(f"attributes: {size} bytes as JSON, at most {MAX_ATTRIBUTES_BYTES}")
    return size


def _check_key(key: Any, budget: int) -> int:
    if not isinstance(key, str):
        raise ValueError(f"attributes: a key is a {type(key).__name__}, not a string")
    if len(key) > MAX_ATTRIBUTE_KEY:
        raise ValueError(f"attributes: a key of {len(key)} characters, at most {MAX_ATTRIBUTE_KEY}")
    if "\x00" in key:
        raise ValueError("attributes: a key contains a NUL character")
    return _spend(budget, len(key) + 4)


def _check_value(value: Any, budget: int, depth: int, key: str) -> int:
    """Raise ValueError for a value JSON or the store cannot hold; returns what is left of
    the size budget (a lower bound on its JSON size is spent)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"attributes.{key}: contains a NUL character")
        return _spend(budget, len(value) + 2)
    if value is None or isinstance(value, bool):
        return _spend(budget, 4)
    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise ValueError(f"attributes.{key}: an integer beyond 64 bits")
        return _spend(budget, 1)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"attributes.{key}: a non-finite number")
        return _spend(budget, 1)
    if depth > MAX_ATTRIBUTE_DEPTH:
        raise ValueError(f"attributes.{key}: nested deeper than {MAX_ATTRIBUTE_DEPTH}")
    if isinstance(value, list | tuple):
        for item in value:
            budget = _check_value(item, _spend(budget, 1), depth + 1, key)
        return budget
    if isinstance(value, Mapping):
        for name, item in value.items():
            budget = _check_value(item, _check_key(name, budget), depth + 1, key)
        return budget
    raise ValueError(f"attributes.{key}: a {type(value).__name__}, not a JSON value")


def _spend(budget: int, cost: int) -> int:
    if cost > budget:
        raise ValueError(f"attributes: more than {MAX_ATTRIBUTES_BYTES} bytes as JSON")
    return budget - cost


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
                f"telemetry event {index} is invalid: {describe_error(exc)}",
                path=f"events[{index}]",
                fix="each event needs 'ts' and 'arm' (candidate|control); metric fields "
                "must be finite numbers in range or booleans",
            ) from exc


_PLAIN = {
    "string_unicode": "not valid UTF-8 (an unpaired surrogate)",
    "bool_type": "must be true, false, 1 or 0",
}
"""Plainer messages for errors whose pydantic wording is obscure."""


def describe_error(exc: Exception) -> str:
    """``field: what is wrong`` for the first error of a failed validation."""
    if not isinstance(exc, ValidationError):
        return str(exc)
    err = exc.errors(include_url=False, include_input=False)[0]
    loc = err["loc"][:1]  # the field; not the member of a union
    msg = _PLAIN.get(err["type"], err["msg"]).removeprefix("Value error, ")
    return f"{loc[0]}: {msg}" if loc else msg

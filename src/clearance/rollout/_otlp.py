"""OTLP/JSON trace exports (``resourceSpans[].scopeSpans[].spans[]``) as telemetry events.

One span is one request. Its attributes (resource attributes first, span attributes
over them) use the OpenTelemetry GenAI names where one exists
(``gen_ai.usage.input_tokens``...) and ``clearance.*`` for the rest: ``clearance.arm``,
``clearance.release``, ``clearance.unit``, ``clearance.quality``... The span's start is
the event's ``ts``, its duration the ``latency_ms`` unless an attribute gives one, and
``traceId`` + ``spanId`` its ``event_id``. The older GenAI token names
(``gen_ai.usage.prompt_tokens``, ``completion_tokens``) count as the current ones; an
``error.type`` attribute or an ERROR status sets the event's ``error`` attribute (the
schema has no error field: it is kept with the event's attributes). Other GenAI
attributes (``gen_ai.request.model``, ``gen_ai.response.model``,
``gen_ai.response.finish_reasons``, ``gen_ai.system``...) are kept as attributes.

A malformed export never raises here: what cannot be read is passed on as it is (or
left out), and the telemetry schema rejects that span alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

_PREFIX = "clearance."
LEGACY: dict[str, tuple[str, ...]] = {
    "gen_ai.usage.prompt_tokens": ("input_tokens", "gen_ai.usage.input_tokens"),
    "gen_ai.usage.completion_tokens": ("output_tokens", "gen_ai.usage.output_tokens"),
}
"""Older GenAI attribute names -> the fields they mean (the first is set when none of
them is on the span already)."""
_LEGACY_KEYS = frozenset(LEGACY)
_CUT = len(_PREFIX)
_NOT_EXPORT = {"resourceSpans": "otlp.resourceSpans"}
"""An attribute ingest would take for a nested OTLP export, renamed."""
_ERROR_CODES = (2, "2", "STATUS_CODE_ERROR")
"""A span status code that means the request failed (OTLP/JSON: the number 2)."""
_MAX_DEPTH = 16
"""``arrayValue`` nesting read; deeper values are passed on raw (and rejected)."""


def is_otlp(document: Mapping[str, Any]) -> bool:
    """Whether a parsed JSON document is an OTLP trace export."""
    return "resourceSpans" in document


def span_events(document: Mapping[str, Any]) -> Iterator[Any]:
    """Every span of an OTLP/JSON trace export, as a telemetry event dict (a span that is
    not a JSON object is passed on as it is, for the schema to reject)."""
    for resource_spans in _items(document.get("resourceSpans")):
        resource = attributes(_field(_field(resource_spans, "resource"), "attributes"))
        for scope_spans in _items(_field(resource_spans, "scopeSpans")):
            for span in _items(_field(scope_spans, "spans")):
                yield span_event(span, resource) if isinstance(span, Mapping) else span


def span_event(span: Mapping[str, Any], resource: Mapping[str, Any]) -> dict[str, Any]:
    """One span as a telemetry event dict (validated later, like any other event)."""
    event = named({**resource, **attributes(span.get("attributes"))})
    start, end = _nanos(span.get("startTimeUnixNano")), _nanos(span.get("endTimeUnixNano"))
    timed(event, start, end)
    if span.get("spanId"):
        event.setdefault("event_id", f"{span.get('traceId', '')}{span['spanId']}")
    status = _field(span, "status")
    failed(event, _field(status, "code") in _ERROR_CODES, _field(status, "message"))
    return event


def named(merged: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes (resource then span, merged) as event fields: ``clearance.`` dropped
    from the names, the older GenAI names (:data:`LEGACY`) read as the current ones."""
    event: dict[str, Any] = {}
    for key, value in merged.items():
        name = key[_CUT:] if key.startswith(_PREFIX) else key
        event[_NOT_EXPORT.get(name, name)] = value
    if _LEGACY_KEYS.isdisjoint(event):
        return event
    for old, new in LEGACY.items():
        if old in event and not any(name in event for name in new):
            event[new[0]] = event.pop(old)
    return event


def timed(event: dict[str, Any], start: Any, end: Any) -> None:
    """The span's start as ``ts`` and its duration as ``latency_ms``, unless given."""
    if start is not None:
        event.setdefault("ts", _scaled(start, 1e9))
        if isinstance(start, int) and isinstance(end, int):
            event.setdefault("latency_ms", _scaled(end - start, 1e6))


def failed(event: dict[str, Any], status_error: bool, message: Any) -> None:
    """Mark a failed request: an ``error.type`` attribute or an ERROR span status sets
    the ``error`` attribute (the error type, else the status message, else "error")."""
    kind = event.get("error.type")
    if kind is None and not status_error:
        return
    event.setdefault(
        "error", kind or (message if isinstance(message, str) and message else None) or "error"
    )


def attributes(items: Any) -> dict[str, Any]:
    """OTLP ``[{"key": ..., "value": {"stringValue": ...}}]`` as a plain dict."""
    found: dict[str, Any] = {}
    for item in _items(items):
        if isinstance(item, Mapping) and "key" in item:
            found[str(item["key"])] = any_value(item.get("value") or {})
    return found


def any_value(value: Any, depth: int = 0) -> Any:
    """An OTLP ``AnyValue`` as a Python value (``intValue`` is a string in OTLP/JSON). A
    value that is not well formed is returned as it is, for validation to judge."""
    if not isinstance(value, Mapping) or depth > _MAX_DEPTH:
        return value
    if "intValue" in value:
        return _int(value["intValue"])
    if "doubleValue" in value:
        return _float(value["doubleValue"])  # "NaN", "Infinity" too: the schema decides
    if "arrayValue" in value:
        values = _field(value["arrayValue"], "values")
        return [any_value(v, depth + 1) for v in _items(values)]
    for key in ("stringValue", "boolValue", "bytesValue"):
        if key in value:
            return value[key]
    return None


def _int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _float(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return value


def _nanos(value: Any) -> Any:
    """Nanoseconds since the epoch as an int, or the raw value when it is not one."""
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    return _int(value) if isinstance(value, str) else value


def _scaled(nanos: Any, per: float) -> Any:
    """Nanoseconds in seconds (``per`` 1e9) or milliseconds (1e6); a value that is not
    an integer, or too large for a float, is passed on raw (and rejected)."""
    if not isinstance(nanos, int) or isinstance(nanos, bool):
        return nanos
    try:
        return nanos / per
    except OverflowError:
        return str(nanos)


def _field(container: Any, key: str) -> Any:
    return container.get(key) if isinstance(container, Mapping) else None


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

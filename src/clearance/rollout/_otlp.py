"""OTLP/JSON trace exports (``resourceSpans[].scopeSpans[].spans[]``) as telemetry events.

One span is one request. Its attributes (resource attributes first, span attributes
over them) use the OpenTelemetry GenAI names where one exists
(``gen_ai.usage.input_tokens``...) and ``clearance.*`` for the rest: ``clearance.arm``,
``clearance.release``, ``clearance.unit``, ``clearance.quality``... The span's start is
the event's ``ts``, its duration the ``latency_ms`` unless an attribute gives one, and
``traceId`` + ``spanId`` its ``event_id``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

_PREFIX = "clearance."


def is_otlp(document: Mapping[str, Any]) -> bool:
    """Whether a parsed JSON document is an OTLP trace export."""
    return "resourceSpans" in document


def span_events(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every span of an OTLP/JSON trace export, as a telemetry event dict."""
    for resource_spans in document.get("resourceSpans") or []:
        resource = attributes((resource_spans.get("resource") or {}).get("attributes"))
        for scope_spans in resource_spans.get("scopeSpans") or []:
            for span in scope_spans.get("spans") or []:
                yield span_event(span, resource)


def span_event(span: Mapping[str, Any], resource: Mapping[str, Any]) -> dict[str, Any]:
    """One span as a telemetry event dict (validated later, like any other event)."""
    event: dict[str, Any] = {}
    for key, value in {**resource, **attributes(span.get("attributes"))}.items():
        name = key.removeprefix(_PREFIX) if key.startswith(_PREFIX) else key
        event[name] = value
    start, end = span.get("startTimeUnixNano"), span.get("endTimeUnixNano")
    if start is not None:
        event.setdefault("ts", int(start) / 1e9)
        if end is not None:
            event.setdefault("latency_ms", (int(end) - int(start)) / 1e6)
    if span.get("spanId"):
        event.setdefault("event_id", f"{span.get('traceId', '')}{span['spanId']}")
    return event


def attributes(items: Any) -> dict[str, Any]:
    """OTLP ``[{"key": ..., "value": {"stringValue": ...}}]`` as a plain dict."""
    found: dict[str, Any] = {}
    for item in items or []:
        if isinstance(item, Mapping) and "key" in item:
            found[str(item["key"])] = any_value(item.get("value") or {})
    return found


def any_value(value: Mapping[str, Any]) -> Any:
    """An OTLP ``AnyValue`` as a Python value (``intValue`` is a string in OTLP/JSON)."""
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [any_value(v) for v in (value["arrayValue"] or {}).get("values") or []]
    for key in ("stringValue", "boolValue", "bytesValue"):
        if key in value:
            return value[key]
    return None

"""OTLP trace and log exports (protobuf or OTLP/JSON) as telemetry event dicts.

Spans map as in :mod:`clearance.rollout._otlp` (resource attributes, then span
attributes over them; ``clearance.*`` and the GenAI names): a protobuf span is read
into the same fields an OTLP/JSON one gives, its ids as lowercase hex like OTLP/JSON.

Log records: only GenAI evaluation events (``gen_ai.evaluation.result``, named by the
record's ``event_name`` or its ``event.name`` attribute) become events; other records
are ignored. An evaluation's ``gen_ai.evaluation.score.value`` is the event's
``quality`` (or ``feedback`` when the attribute ``clearance.metric`` says so); its
release, arm and unit come from the ``clearance.*`` attributes (resource, then record);
``gen_ai.evaluation.name``, ``.score.label`` and ``gen_ai.response.id`` are kept as
attributes. Its ``event_id`` is the evaluated span's trace and span ids with the
evaluation's name, so a re-sent evaluation is a duplicate, not a second one.

Nothing here validates: the telemetry schema judges every event (through ``ingest``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from clearance.errors import DataError
from clearance.rollout import _otlp

EVALUATION_EVENT = "gen_ai.evaluation.result"
"""The event name of a GenAI evaluation result (a log record)."""
SCORE = "gen_ai.evaluation.score.value"
_METRICS = ("quality", "feedback")
"""Fields an evaluation score may fill (``clearance.metric``; the first by default)."""
_MAX_DEPTH = 16
"""``AnyValue`` nesting read; a deeper value is replaced by one the schema refuses."""
_MAX_EVENT_ID = 100


class NotOtlp(DataError):
    """The body is not an OTLP export of the kind the endpoint takes."""

    http_status = 400


class _TooDeep:
    """Stands for an attribute nested too deep: not a JSON value, so it is rejected."""


# --- protobuf ------------------------------------------------------------------------


def proto_span_events(body: bytes) -> list[dict[str, Any]]:
    """The spans of a protobuf ``ExportTraceServiceRequest``, as event dicts."""
    request = _parsed(ExportTraceServiceRequest(), body, "ExportTraceServiceRequest")
    events: list[dict[str, Any]] = []
    for resource_spans in request.resource_spans:
        resource = attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            events.extend(_proto_span(span, resource) for span in scope_spans.spans)
    return events


def proto_log_events(body: bytes) -> tuple[list[dict[str, Any]], int]:
    """The evaluation events of a protobuf ``ExportLogsServiceRequest``, and how many
    records were ignored (not evaluation results)."""
    request = _parsed(ExportLogsServiceRequest(), body, "ExportLogsServiceRequest")
    events: list[dict[str, Any]] = []
    ignored = 0
    for resource_logs in request.resource_logs:
        resource = attributes(resource_logs.resource.attributes)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                found = evaluation_event(
                    {**resource, **attributes(record.attributes)},
                    record.event_name,
                    record.time_unix_nano or record.observed_time_unix_nano or None,
                    record.trace_id.hex(),
                    record.span_id.hex(),
                )
                ignored += found is None
                if found is not None:
                    events.append(found)
    return events, ignored


_Request = TypeVar("_Request", ExportTraceServiceRequest, ExportLogsServiceRequest)


def _parsed(message: _Request, body: bytes, name: str) -> _Request:
    try:
        message.ParseFromString(body)
    except (DecodeError, RecursionError, ValueError) as exc:
        raise NotOtlp(
            f"the body is not a protobuf {name}: {exc}",
            fix="send an OTLP export (application/x-protobuf), gzip-compressed or not",
        ) from None
    return message


def _proto_span(span: Span, resource: Mapping[str, Any]) -> dict[str, Any]:
    event = _otlp.named({**resource, **attributes(span.attributes)})
    start = span.start_time_unix_nano or None
    _otlp.timed(event, start, span.end_time_unix_nano if start is not None else None)
    if span.span_id:
        event.setdefault("event_id", span.trace_id.hex() + span.span_id.hex())
    error = span.status.code == Status.STATUS_CODE_ERROR
    _otlp.failed(event, error, span.status.message)
    return event


_SCALARS = frozenset({"string_value", "int_value", "double_value", "bool_value"})


def attributes(items: Iterable[KeyValue]) -> dict[str, Any]:
    """Protobuf ``KeyValue`` attributes as a plain dict."""
    found: dict[str, Any] = {}
    for item in items:
        value = item.value
        kind = value.WhichOneof("value")
        found[item.key] = getattr(value, kind) if kind in _SCALARS else any_value(value)
    return found


def any_value(value: AnyValue, depth: int = 0) -> Any:
    """A protobuf ``AnyValue`` as a Python value (bytes as lowercase hex)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if depth > _MAX_DEPTH:
        return _TooDeep()
    if kind == "array_value":
        return [any_value(v, depth + 1) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value, depth + 1) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


# --- OTLP/JSON -----------------------------------------------------------------------


def json_span_events(document: Any) -> list[Any]:
    """The spans of an OTLP/JSON trace export, as event dicts."""
    return list(_otlp.span_events(_document(document, "resourceSpans")))


def json_log_events(document: Any) -> tuple[list[dict[str, Any]], int]:
    """The evaluation events of an OTLP/JSON logs export, and how many records were
    ignored."""
    events: list[dict[str, Any]] = []
    ignored = 0
    for resource, record in _json_records(_document(document, "resourceLogs")):
        found = evaluation_event(
            {**resource, **_otlp.attributes(record.get("attributes"))},
            record.get("eventName"),
            _nanos(record.get("timeUnixNano")) or _nanos(record.get("observedTimeUnixNano")),
            _text(record.get("traceId")),
            _text(record.get("spanId")),
        )
        ignored += found is None
        if found is not None:
            events.append(found)
    return events, ignored


def _document(document: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(document, Mapping):
        raise NotOtlp(
            f"the body is not an OTLP/JSON export (an object with {key!r})",
            fix="send the JSON encoding of an OTLP export request",
        )
    return document


def _json_records(document: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], Any]]:
    for resource_logs in _list(document.get("resourceLogs")):
        resource = _otlp.attributes(_get(_get(resource_logs, "resource"), "attributes"))
        for scope_logs in _list(_get(resource_logs, "scopeLogs")):
            for record in _list(_get(scope_logs, "logRecords")):
                if isinstance(record, Mapping):
                    yield resource, record


def _nanos(value: Any) -> int | None:
    try:
        return int(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _get(container: Any, key: str) -> Any:
    return container.get(key) if isinstance(container, Mapping) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- evaluation events ---------------------------------------------------------------


def evaluation_event(
    merged: Mapping[str, Any],
    event_name: Any,
    time_ns: int | None,
    trace_id: str,
    span_id: str,
) -> dict[str, Any] | None:
    """A ``gen_ai.evaluation.result`` record as a quality (or feedback) event; None for
    any other record. ``merged``: resource attributes, then the record's over them."""
    name = event_name or merged.get("event.name")
    if name != EVALUATION_EVENT:
        return None
    event = _otlp.named({k: v for k, v in merged.items() if k != "event.name"})
    metric = event.pop("metric", _METRICS[0])
    field = metric if metric in _METRICS else _METRICS[0]
    if SCORE in event:
        event.setdefault(field, event.pop(SCORE))
    else:
        event.setdefault(field, None)  # a result without a score: the schema decides
    _otlp.timed(event, time_ns, None)
    if span_id:
        event.setdefault("event_id", _evaluation_id(trace_id, span_id, event))
    return event


def _evaluation_id(trace_id: str, span_id: str, event: Mapping[str, Any]) -> str:
    evaluation = str(event.get("gen_ai.evaluation.name", ""))
    found = f"{trace_id}{span_id}.eval.{evaluation}"
    if len(found) <= _MAX_EVENT_ID:
        return found
    digest = hashlib.sha256(evaluation.encode("utf-8", "replace")).hexdigest()[:32]
    return f"{trace_id[:32]}{span_id[:16]}.eval.{digest}"


# --- responses -----------------------------------------------------------------------


def trace_response(rejected: int, message: str, *, as_json: bool) -> bytes | dict[str, Any]:
    """An ``ExportTraceServiceResponse``: protobuf bytes, or its OTLP/JSON dict."""
    if as_json:
        return _json_response("rejectedSpans", rejected, message)
    response = ExportTraceServiceResponse()
    if rejected:
        response.partial_success.rejected_spans = rejected
        response.partial_success.error_message = message
    return response.SerializeToString()


def logs_response(rejected: int, message: str, *, as_json: bool) -> bytes | dict[str, Any]:
    """An ``ExportLogsServiceResponse``: protobuf bytes, or its OTLP/JSON dict."""
    if as_json:
        return _json_response("rejectedLogRecords", rejected, message)
    response = ExportLogsServiceResponse()
    if rejected:
        response.partial_success.rejected_log_records = rejected
        response.partial_success.error_message = message
    return response.SerializeToString()


def _json_response(key: str, rejected: int, message: str) -> dict[str, Any]:
    if not rejected:
        return {}
    return {"partialSuccess": {key: str(rejected), "errorMessage": message}}  # int64: str

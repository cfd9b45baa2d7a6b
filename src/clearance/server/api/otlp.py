"""OTLP/HTTP receiver: traces and logs from OpenTelemetry collectors and SDKs.

``POST /v1/traces`` takes an ``ExportTraceServiceRequest``, ``POST /v1/logs`` an
``ExportLogsServiceRequest``, as protobuf (``application/x-protobuf``, what the
collector's ``otlphttp`` exporter and the SDKs send) or OTLP/JSON
(``application/json``), plain or with ``Content-Encoding: gzip`` (or ``deflate``).
Each span is one telemetry event, each ``gen_ai.evaluation.result`` log record a
quality event (:mod:`clearance.rollout._otlp_proto`); all go through
:func:`clearance.rollout.ingest`, so the telemetry schema judges them as it judges
``POST /v1/events``. Spans or records it refuses are counted in the response's
``partial_success`` (protobuf for a protobuf request, JSON for JSON).

Senders, audit and size limits are those of ``POST /v1/events``: a telemetry sender's
bearer token (401/403), one ``telemetry.ingested`` audit entry per batch, at most
:data:`~clearance.server.api.events.MAX_BODY_BYTES` on the wire and again once
decompressed (413). Another content type is refused with 415, a body that is not
gzip or not OTLP with a 400 problem.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from clearance.errors import DataError
from clearance.rollout import IngestReport
from clearance.rollout import _otlp_proto as otlp
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState
from clearance.server.api.events import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    Sender,
    State,
    loads,
    read_body,
    store_and_record,
)

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
MAX_MESSAGES = 5
"""Rejected items whose reasons the ``partial_success.error_message`` spells out."""
_WBITS = {"gzip": 31, "x-gzip": 31, "deflate": 15}
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {**PROBLEM_RESPONSES[422], "description": text}
    for status, text in ((400, "Bad Request"), (413, "Content Too Large"), (415, "Unsupported"))
}
_OK = {"content": {PROTOBUF: {}, JSON: {"schema": {"type": "object"}}}}


def _body(message: str) -> dict[str, Any]:
    schema = {"type": "object", "description": f"an OTLP {message}"}
    return {
        "required": True,
        "content": {
            PROTOBUF: {"schema": {"type": "string", "format": "binary"}},
            JSON: {"schema": schema},
        },
    }


router = APIRouter(prefix="/v1", tags=["telemetry"], responses=PROBLEM_RESPONSES)


class Unsupported(DataError):
    """The request's content type or encoding is not one the receiver reads."""

    http_status = 415


class BadEncoding(DataError):
    """The body is not what its ``Content-Encoding`` says (a truncated gzip stream...)."""

    http_status = 400


@router.post(
    "/traces",
    responses={200: _OK, **_ERRORS},
    openapi_extra={"requestBody": _body("ExportTraceServiceRequest")},
)
async def post_traces(request: Request, state: State, who: Sender) -> Response:
    """Store the spans of an OTLP trace export as telemetry events (one per span).
    Refused spans are counted in ``partial_success.rejected_spans``."""
    as_json = _is_json(request)
    body = await read_body(request)
    encoding = request.headers.get("content-encoding", "")
    work = (_json_traces if as_json else _proto_traces, otlp.trace_response)
    return await _export(state, who.name, body, encoding, as_json, work)


@router.post(
    "/logs",
    responses={200: _OK, **_ERRORS},
    openapi_extra={"requestBody": _body("ExportLogsServiceRequest")},
)
async def post_logs(request: Request, state: State, who: Sender) -> Response:
    """Store the ``gen_ai.evaluation.result`` records of an OTLP logs export as quality
    events; other records are ignored. Refused ones are counted in
    ``partial_success.rejected_log_records``."""
    as_json = _is_json(request)
    body = await read_body(request)
    encoding = request.headers.get("content-encoding", "")
    work = (_json_logs if as_json else _proto_logs, otlp.logs_response)
    return await _export(state, who.name, body, encoding, as_json, work)


Mapper = Callable[[bytes], list[Any]]
Responder = Callable[..., bytes | dict[str, Any]]


async def _export(
    state: ServerState,
    sender: str,
    body: bytes,
    encoding: str,
    as_json: bool,
    work: tuple[Mapper, Responder],
) -> Response:
    mapper, responder = work
    report = await run_in_threadpool(_ingest, state, sender, mapper, body, encoding)
    message = _message(report)
    content = responder(report.rejected, message, as_json=as_json)
    if isinstance(content, dict):
        return JSONResponse(content)
    return Response(content, media_type=PROTOBUF)


def _ingest(
    state: ServerState, sender: str, mapper: Mapper, body: bytes, encoding: str
) -> IngestReport:
    """Decode, map and store the export, and audit it: one trip to the thread pool."""
    events = mapper(inflate(body, encoding))
    try:
        return store_and_record(state, sender, events)
    except (OverflowError, OSError) as exc:
        raise DataError(
            f"an event holds a value out of range: {exc}", fix="send finite values"
        ) from None


def _message(report: IngestReport) -> str:
    """The first reasons of the refused items, for ``partial_success.error_message``."""
    if not report.rejected:
        return ""
    reasons = "; ".join(f"#{r.index}: {r.error}" for r in report.rejects[:MAX_MESSAGES])
    more = report.rejected - min(len(report.rejects), MAX_MESSAGES)
    return f"{report.rejected} refused by the telemetry schema: {reasons}" + (
        f"; +{more} more" if more > 0 else ""
    )


def _is_json(request: Request) -> bool:
    """Whether the body is OTLP/JSON (else protobuf); 415 for any other media type."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media in (PROTOBUF, JSON):
        return media == JSON
    raise Unsupported(
        f"content type {media[:80]!r} is not OTLP",
        fix=f"send {PROTOBUF} (the exporters' default) or {JSON}",
    )


def inflate(body: bytes, encoding: str) -> bytes:
    """The body decoded from its ``Content-Encoding`` (none, gzip or deflate), refused
    with 413 once it grows beyond MAX_BODY_BYTES (a compression bomb)."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return body
    wbits = _WBITS.get(name)
    if wbits is None:
        raise Unsupported(
            f"content encoding {name[:40]!r} is not supported", fix="send gzip or no encoding"
        )
    try:
        return _decompressed(body, wbits)
    except zlib.error as exc:
        raise BadEncoding(f"the body is not valid {name}: {exc}", fix=f"send {name} data") from None


def _decompressed(body: bytes, wbits: int) -> bytes:
    out = bytearray()
    data = body
    while data:  # gzip allows several members one after the other
        stream = zlib.decompressobj(wbits)
        out += stream.decompress(data, MAX_BODY_BYTES + 1 - len(out))
        if len(out) > MAX_BODY_BYTES:
            raise BodyTooLarge(
                f"the body is larger than {MAX_BODY_BYTES} bytes once decompressed",
                fix=f"send batches of at most {MAX_BODY_BYTES} bytes uncompressed",
            )
        if not stream.eof:
            raise BadEncoding("the compressed body is truncated", fix="send the whole body")
        data = stream.unused_data
    return bytes(out)


def _proto_traces(body: bytes) -> list[Any]:
    return list(otlp.proto_span_events(body))


def _json_traces(body: bytes) -> list[Any]:
    return otlp.json_span_events(_json(body))


def _proto_logs(body: bytes) -> list[Any]:
    return list(otlp.proto_log_events(body)[0])


def _json_logs(body: bytes) -> list[Any]:
    return list(otlp.json_log_events(_json(body))[0])


def _json(body: bytes) -> Any:
    try:
        return loads(body)
    except (ValueError, RecursionError) as exc:
        raise otlp.NotOtlp(
            f"the body is not JSON: {exc}", fix="send OTLP/JSON or protobuf"
        ) from None

"""Telemetry ingest: ``POST /v1/events`` with a JSON array of events.

Parsing the body ourselves (not through a pydantic ``list[dict]`` parameter) keeps the
hot path to one JSON decode; :func:`clearance.rollout.ingest` validates each event and
inserts the batch in one transaction, idempotent by ``event_id``.

Limits: a body of at most :data:`MAX_BODY_BYTES` (else 413) holding at most
:data:`MAX_EVENTS` events (else 422). Each invalid event is skipped and listed under
``rejects`` with its position and the reason; the valid ones of the batch are stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from clearance import governance
from clearance.errors import DataError
from clearance.rollout import IngestReport, ingest
from clearance.server._auth import Caller, Principal
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState, state_of

try:
    import orjson

    loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - the 'fast' extra is optional
    import json

    loads = json.loads

router = APIRouter(prefix="/v1", tags=["telemetry"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]
MAX_EVENTS = 10_000
"""Events per request; larger batches must be split by the client."""
MAX_BODY_BYTES = 8 * 1024 * 1024
"""Request body size (8 MiB); a larger body is refused with 413 before it is parsed."""
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {**PROBLEM_RESPONSES[422], "description": "Content Too Large"}
}
_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "maxItems": MAX_EVENTS,
                "items": {"$ref": "#/components/schemas/TelemetryEvent"},
            }
        }
    },
}


def telemetry_sender(state: State, who: Caller) -> Principal:
    """The caller, when the policy lists them under ``rollout.telemetry_senders``; 403 for
    anyone else, whatever their duties (the rule is governance's, not the server's)."""
    governance.require_telemetry_sender(state.policy, who.name)
    return who


Sender = Annotated[Principal, Depends(telemetry_sender)]
MAX_SUBJECT_RELEASES = 5
"""Release names an audit entry's subject lists (the rest are counted)."""


@router.post(
    "/events",
    response_model=IngestReport,
    responses=TOO_LARGE,
    openapi_extra={"requestBody": _BODY},
)
async def post_events(request: Request, state: State, who: Sender) -> IngestReport:
    """Store a batch of telemetry events. Idempotent: an event whose ``event_id`` (or, when
    it has none, whose content) was stored before counts as a duplicate, not again.
    Invalid events are skipped and listed under ``rejects`` by position (1-based).
    Only users listed under the policy's ``rollout.telemetry_senders`` may send (403 for
    anyone else); each batch is recorded in the audit log as ``telemetry.ingested``."""
    events = _parse(await read_body(request))
    try:
        return await run_in_threadpool(store_and_record, state, who.name, events)
    except (OverflowError, OSError) as exc:
        # A number beyond what a timestamp or a column can hold (ts=1e300, 1e400).
        raise DataError(
            f"an event holds a value out of range: {exc}",
            fix="send finite values; 'ts' as seconds since the epoch or ISO 8601",
        ) from None


def store_and_record(state: ServerState, sender: str, events: list[Any]) -> IngestReport:
    """Ingest the batch and audit who sent it, in one trip to the thread pool."""
    report = ingest(state.store, events, keep_rejects=MAX_EVENTS)
    if events:
        audit_batch(state, sender, events, report)
    return report


def audit_batch(state: ServerState, sender: str, events: list[Any], report: IngestReport) -> None:
    """One audit entry per batch: who sent it, about which releases, what was stored."""
    names = sorted({str(e["release"])[:200] for e in events if _has_release(e)})
    subject = ",".join(names[:MAX_SUBJECT_RELEASES])
    if len(names) > MAX_SUBJECT_RELEASES:
        subject += f",+{len(names) - MAX_SUBJECT_RELEASES} more"
    payload = {
        "events": len(events),
        "accepted": report.accepted,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
        "releases": names[:50],
    }
    governance.append(state.store, sender, "telemetry.ingested", subject[:400], payload)


def _has_release(event: Any) -> bool:
    release = event.get("release") if isinstance(event, dict) else None
    return isinstance(release, str) and _storable(release)


def _storable(text: str) -> bool:
    """Whether the audit log can hold ``text``: a rejected event may carry a release with
    a NUL or an unpaired surrogate, which PostgreSQL (and UTF-8) cannot store."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class BodyTooLarge(DataError):
    """The request body is larger than :data:`MAX_BODY_BYTES`."""

    http_status = 413


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed MAX_BODY_BYTES: from
    ``Content-Length`` before reading, and by counting while reading (the header may be
    missing, as with chunked encoding, or wrong)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large(int(declared))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _too_large(None)
    return bytes(body)


def _too_large(size: int | None) -> BodyTooLarge:
    told = f"{size} bytes" if size is not None else "more than that"
    return BodyTooLarge(
        f"the body is larger than {MAX_BODY_BYTES} bytes ({told})",
        fix=f"split the batch into requests of at most {MAX_BODY_BYTES} bytes",
    )


def _parse(body: bytes) -> list[Any]:
    try:
        events = loads(body)
    except (ValueError, RecursionError) as exc:
        raise DataError(f"the body is not JSON: {exc}", fix="send a JSON array of events") from None
    if not isinstance(events, list):
        raise DataError("the body must be a JSON array of events", fix="wrap events in [...]")
    if len(events) > MAX_EVENTS:
        raise DataError(
            f"{len(events)} events in one request; at most {MAX_EVENTS}",
            fix="split the batch into several requests",
        )
    return events

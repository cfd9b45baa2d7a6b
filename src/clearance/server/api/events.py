"""Telemetry ingest: ``POST /v1/events`` with a JSON array of events.

Parsing the body ourselves (not through a pydantic ``list[dict]`` parameter) keeps the
hot path to one JSON decode; :func:`clearance.rollout.ingest` validates each event and
inserts the batch in one transaction, idempotent by ``event_id``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from clearance.errors import DataError
from clearance.rollout import IngestReport, ingest
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState, state_of

try:
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - the 'fast' extra is optional
    import json

    _loads = json.loads

router = APIRouter(prefix="/v1", tags=["telemetry"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]
MAX_EVENTS = 10_000
"""Events per request; larger batches must be split by the client."""
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


@router.post(
    "/events",
    response_model=IngestReport,
    openapi_extra={"requestBody": _BODY},
)
async def post_events(request: Request, state: State, _: Caller) -> IngestReport:
    """Store a batch of telemetry events. Idempotent: an event whose ``event_id`` (or, when
    it has none, whose content) was stored before counts as a duplicate, not again.
    Invalid events are skipped and listed under ``rejects`` by position (1-based)."""
    events = _parse(await request.body())
    try:
        return await run_in_threadpool(ingest, state.store, events)
    except (OverflowError, OSError) as exc:
        # A number beyond what a timestamp or a column can hold (ts=1e300, 1e400).
        raise DataError(
            f"an event holds a value out of range: {exc}",
            fix="send finite values; 'ts' as seconds since the epoch or ISO 8601",
        ) from None


def _parse(body: bytes) -> list[Any]:
    try:
        events = _loads(body)
    except ValueError as exc:
        raise DataError(f"the body is not JSON: {exc}", fix="send a JSON array of events") from None
    if not isinstance(events, list):
        raise DataError("the body must be a JSON array of events", fix="wrap events in [...]")
    if len(events) > MAX_EVENTS:
        raise DataError(
            f"{len(events)} events in one request; at most {MAX_EVENTS}",
            fix="split the batch into several requests",
        )
    return events

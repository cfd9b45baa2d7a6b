"""LiteLLM proxy request logs as telemetry: ``POST /v1/litellm`` takes what the proxy's
``generic_api`` logging callback sends (a JSON array, NDJSON, or one object: its
``json_array``, ``ndjson`` and ``single`` log formats) and stores each
``StandardLoggingPayload`` as a telemetry event through :func:`clearance.rollout.ingest`;
``GET /v1/litellm/weights`` gives the rollout's split as ``model_list`` weights.

Which arm a log belongs to is its deployment id (``model_id``) against the ids named in
the callback URL's query (``?release=bot@v2&candidate=<id>&control=<id>``); a log naming
another deployment is rejected and listed, never guessed. Limits, authentication (users
under the policy's ``rollout.telemetry_senders``) and the audit entry per batch are those
of ``POST /v1/events``.
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from clearance.errors import DataError
from clearance.rollout import IngestReport, Reject, RolloutState, ingest, status
from clearance.rollout._litellm import (
    Deployments,
    ItemRefused,
    UnitSource,
    litellm_weights,
    payload_event,
)
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState, state_of
from clearance.server.api.events import (
    MAX_EVENTS,
    TOO_LARGE,
    Sender,
    audit_batch,
    loads,
    read_body,
)
from clearance.store import RolloutNotFound

router = APIRouter(prefix="/v1/litellm", tags=["telemetry"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]
MAX_DEPLOYMENTS = 50
"""Deployment ids per arm in one callback URL."""
Release = Annotated[str, Query(min_length=1, max_length=200, description="The release.")]
Ids = Annotated[list[str], Query(description="Deployment ids (model_info.id); repeatable.")]
_BODY: dict[str, Any] = {
    "required": True,
    "description": "StandardLoggingPayload objects: a JSON array, NDJSON, or one object.",
    "content": {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        "application/x-ndjson": {"schema": {"type": "string"}},
    },
}


class UnsupportedEncoding(DataError):
    """A compressed body: LiteLLM sends none, and none is accepted."""

    http_status = 415


class _Line(NamedTuple):
    line: int
    """1-based line (NDJSON) or array position of the item."""
    value: Any
    error: str | None = None
    """Why the line is not JSON (NDJSON only)."""


@router.post(
    "", response_model=IngestReport, responses=TOO_LARGE, openapi_extra={"requestBody": _BODY}
)
async def post_litellm(
    request: Request,
    state: State,
    who: Sender,
    release: Release,
    candidate: Ids,
    control: Ids,
    unit: UnitSource = "trace_id",
) -> IngestReport:
    """Store LiteLLM request logs as telemetry of ``release``: each log's ``model_id``
    must be one of the ``candidate`` or ``control`` deployment ids, else it is rejected
    (listed under ``rejects``). Idempotent by the log's ``id``. ``unit`` names the field
    that becomes the routing unit (``trace_id`` by default: the proxy randomises each
    request). Only users under the policy's ``rollout.telemetry_senders`` may send."""
    deployments = _deployments(candidate, control)
    _refuse_encoding(request)
    lines = _parse(await read_body(request))
    try:
        return await run_in_threadpool(
            _store_and_record, state, who.name, lines, deployments, release, unit
        )
    except (OverflowError, OSError) as exc:
        raise DataError(
            f"a log holds a value out of range: {exc}",
            fix="send finite values; startTime as seconds since the epoch",
        ) from None


@router.get("/weights")
def get_weights(
    state: State, _: Caller, release: Release, candidate: Ids, control: Ids
) -> dict[str, Any]:
    """The rollout's split as LiteLLM ``model_list`` entries (``model_info.id`` and
    ``litellm_params.weight``) for the candidate and control deployments. Before a
    rollout, after a rollback, and in a stage whose audience is not ``everyone`` (the
    proxy cannot select users), the candidate's weight is 0."""
    deployments = _deployments(candidate, control)
    return litellm_weights(_rollout(state, release), deployments.candidate, deployments.control)


def _rollout(state: ServerState, release: str) -> RolloutState | None:
    try:
        return status(state.store, release)
    except RolloutNotFound:
        return None


def _deployments(candidate: list[str], control: list[str]) -> Deployments:
    ids = [*candidate, *control]
    if len(candidate) > MAX_DEPLOYMENTS or len(control) > MAX_DEPLOYMENTS:
        raise DataError(f"at most {MAX_DEPLOYMENTS} deployment ids per arm")
    if any(not 1 <= len(i) <= 200 for i in ids):
        raise DataError("a deployment id must have 1 to 200 characters")
    try:
        return Deployments.of(candidate, control)
    except ValueError as exc:
        raise DataError(
            str(exc), fix="?release=NAME&candidate=<model_info.id>&control=<model_info.id>"
        ) from None


def _refuse_encoding(request: Request) -> None:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise UnsupportedEncoding(
            f"Content-Encoding {encoding[:40]!r} is not accepted",
            fix="send the body uncompressed (LiteLLM's generic_api callback does)",
        )


def _parse(body: bytes) -> list[_Line]:
    """The body's items: a JSON array, one JSON object, or NDJSON (a line that is not
    JSON is one rejected item; a body of which no line is JSON is refused)."""
    try:
        whole = loads(body)
    except (ValueError, RecursionError):
        lines = _ndjson(body)
    else:
        if isinstance(whole, dict):
            whole = [whole]
        if not isinstance(whole, list):
            raise DataError(
                "the body must hold LiteLLM log objects", fix="send a JSON array or NDJSON"
            )
        lines = [_Line(n, item) for n, item in enumerate(whole, start=1)]
    if len(lines) > MAX_EVENTS:
        raise DataError(
            f"{len(lines)} logs in one request; at most {MAX_EVENTS}",
            fix="lower the callback's batch_size",
        )
    return lines


def _ndjson(body: bytes) -> list[_Line]:
    lines: list[_Line] = []
    for number, text in enumerate(body.split(b"\n"), start=1):
        if not text.strip():
            continue
        try:
            lines.append(_Line(number, loads(text)))
        except (ValueError, RecursionError) as exc:
            lines.append(_Line(number, None, f"not JSON: {str(exc)[:200]}"))
    if all(line.error for line in lines):
        raise DataError(
            "the body is neither JSON nor NDJSON", fix="send a JSON array or one log per line"
        )
    return lines


def _store_and_record(
    state: ServerState,
    sender: str,
    lines: list[_Line],
    deployments: Deployments,
    release: str,
    unit: UnitSource,
) -> IngestReport:
    """Map, ingest and audit the batch, in one trip to the thread pool."""
    refused: list[Reject] = []
    events: list[dict[str, Any]] = []
    places: list[tuple[int, int]] = []  # (line, index) of each event passed to ingest
    for index, line in enumerate(lines):
        try:
            if line.error is not None:
                raise ItemRefused(line.error)
            events.append(payload_event(line.value, deployments, release, unit))
            places.append((line.line, index))
        except ItemRefused as exc:
            refused.append(Reject(line=line.line, index=index, error=str(exc)))
    report = ingest(state.store, events, keep_rejects=MAX_EVENTS)
    report.rejects = sorted(
        [*refused, *(_placed(r, places) for r in report.rejects)], key=lambda r: r.index
    )
    report.rejected += len(refused)
    if lines:
        audit_batch(state, sender, events, report)
    return report


def _placed(reject: Reject, places: list[tuple[int, int]]) -> Reject:
    """A reject of ``ingest`` (numbered in the mapped events) at its place in the body."""
    line, index = places[reject.index]
    return reject.model_copy(update={"line": line, "index": index})

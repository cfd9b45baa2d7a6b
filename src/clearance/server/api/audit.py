"""The audit log and its verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clearance import governance
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._queries import redacted
from clearance.server._schemas import AuditEntryOut, VerificationOut
from clearance.server._state import ServerState, state_of

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]


@router.get("", response_model=list[AuditEntryOut])
def get_log(
    state: State,
    _: Caller,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    subject: Annotated[str | None, Query(max_length=400)] = None,
) -> list[AuditEntryOut]:
    """Entries after sequence number ``since``, oldest first."""
    rows = governance.entries(state.store, since=since, limit=limit, subject=subject)
    return [AuditEntryOut(**{**vars(e), "payload": redacted(state, e.payload)}) for e in rows]


@router.get("/verify", response_model=VerificationOut)
def get_verify(state: State, _: Caller) -> VerificationOut:
    """Walk the hash chain: ``ok`` false names the first entry edited, deleted or moved."""
    return VerificationOut(**vars(governance.verify(state.store)))

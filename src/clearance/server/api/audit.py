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
def get_verify(state: State, _: Caller, full: bool = False) -> VerificationOut:
    """Verify the hash chain: ``ok`` false names the first entry edited, deleted or moved.

    By default only the entries added since this server last verified are hashed (and
    the entry it verified last is re-hashed); ``full=true`` hashes every entry. When the
    server has the audit public key, every signed checkpoint is checked too: a bad
    signature, a rewritten entry, or a log truncated below a checkpoint fails."""
    return verification(state, full=full)


def verification(state: ServerState, *, full: bool = False) -> VerificationOut:
    """The verdict the API and the dashboard show (signed when the server has the key)."""
    if state.audit_key is None:
        return _chain(governance.verify(state.store, full=full))
    result = governance.verify_with_checkpoints(state.store, state.audit_key, full=full)
    problems = list(result.problems)
    return _chain(result.chain).model_copy(
        update={
            "ok": result.ok,
            "problem": problems[0] if problems else "",
            "problems": problems,
            "signed": True,
            "checkpoints": result.stored,
            "checkpoints_verified": result.checkpoints_verified,
            "signatures_ok": result.signatures_ok,
            "covered_seq": result.covered_seq,
        }
    )


def _chain(chain: governance.Verification) -> VerificationOut:
    return VerificationOut(
        ok=chain.ok,
        checked=chain.checked,
        head=chain.head,
        head_seq=chain.head_seq,
        full=chain.full,
        first_bad=chain.first_bad,
        problem=chain.problem,
        problems=[chain.problem] if chain.problem else [],
    )

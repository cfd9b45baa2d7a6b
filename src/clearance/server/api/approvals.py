"""Approvals and waivers of a release. The governance layer enforces who may give them
(roles from the policy's owners, separation of duties) and writes the audit entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from clearance import governance
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._schemas import (
    ApprovalList,
    ApprovalOut,
    ApprovalRequest,
    WaiverOut,
    WaiverRequest,
    WaiverRevocation,
)
from clearance.server._state import ServerState, state_of
from clearance.server.api._ids import RowId
from clearance.store import WaiverRecord

router = APIRouter(prefix="/v1/releases/{name}", responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]


@router.get("/approvals", response_model=ApprovalList, tags=["approvals"])
def get_approvals(name: str, state: State, _: Caller, all: bool = False) -> ApprovalList:
    """Approvals that still count (``all=true``: voided ones too) and what is missing."""
    given = governance.approvals(state.store, name, valid_only=not all)
    missing: list[str] = []
    if state.policy is not None:
        missing = governance.missing_approvals(state.store, state.policy, name, ["approve_changes"])
    return ApprovalList(approvals=[ApprovalOut(**vars(a)) for a in given], missing=missing)


@router.post("/approvals", response_model=ApprovalOut, status_code=201, tags=["approvals"])
def post_approval(name: str, body: ApprovalRequest, state: State, who: Caller) -> ApprovalOut:
    """Approve the release in a role the caller holds; not their own release."""
    info = governance.approve(state.store, state.require_policy(), name, body.role, who.name)
    return ApprovalOut(**vars(info))


@router.get("/waivers", response_model=list[WaiverOut], tags=["waivers"])
def get_waivers(name: str, state: State, _: Caller) -> list[WaiverOut]:
    """Every waiver given for the release, oldest first, with whether it is in force
    (governance's rule: not revoked, not expired, and given for the policy and candidate
    the release was last checked with)."""
    return [_waiver(row, status) for row, status in governance.waiver_statuses(state.store, name)]


@router.post("/waivers", response_model=WaiverOut, status_code=201, tags=["waivers"])
def post_waiver(name: str, body: WaiverRequest, state: State, who: Caller) -> WaiverOut:
    """Waive a checklist area until an expiry, with a reason (owners of that area only)."""
    policy = state.require_policy()
    governance.waive(state.store, policy, name, body.area, who.name, body.reason, body.expires)
    row, status = governance.waiver_statuses(state.store, name)[-1]
    return _waiver(row, status)


@router.post("/waivers/{waiver_id}/revoke", response_model=WaiverOut, tags=["waivers"])
def revoke_waiver(
    name: str, waiver_id: RowId, body: WaiverRevocation, state: State, who: Caller
) -> WaiverOut:
    """Revoke a waiver: from now on it no longer counts. Only holders of the duty that
    may waive its area may; the revocation is recorded in the audit log."""
    policy = state.require_policy()
    governance.revoke_waiver(state.store, policy, name, waiver_id, who.name, body.reason)
    statuses = governance.waiver_statuses(state.store, name)
    return next(_waiver(row, status) for row, status in statuses if row.id == waiver_id)


def _waiver(row: WaiverRecord, status: governance.WaiverStatus) -> WaiverOut:
    return WaiverOut(
        id=row.id,
        area=row.area,
        owner=row.owner,
        role=row.role,
        reason=row.reason,
        expires_at=row.expires_at,
        created_at=row.created_at,
        active=status == "in_force",
        status=status,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
    )

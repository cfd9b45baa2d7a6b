"""Approvals and waivers of a release. The governance layer enforces who may give them
(roles from the policy's owners, separation of duties) and writes the audit entries."""

from __future__ import annotations

from datetime import UTC, datetime
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
)
from clearance.server._state import ServerState, state_of
from clearance.store import Waiver

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
    """Every waiver given for the release, oldest first, with whether it is in force."""
    now = datetime.now(UTC)
    return [_waiver(row, now) for row in governance.waivers(state.store, name)]


@router.post("/waivers", response_model=WaiverOut, status_code=201, tags=["waivers"])
def post_waiver(name: str, body: WaiverRequest, state: State, who: Caller) -> WaiverOut:
    """Waive a checklist area until an expiry, with a reason (owners of that area only)."""
    policy = state.require_policy()
    governance.waive(state.store, policy, name, body.area, who.name, body.reason, body.expires)
    rows = governance.waivers(state.store, name)
    return _waiver(rows[-1], datetime.now(UTC))


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _waiver(row: Waiver, now: datetime) -> WaiverOut:
    expires = _aware(row.expires_at)
    return WaiverOut(
        id=row.id,
        area=row.area,
        owner=row.owner,
        role=row.role,
        reason=row.reason,
        expires_at=expires,
        created_at=_aware(row.created_at),
        active=row.revoked_at is None and expires > now,
    )

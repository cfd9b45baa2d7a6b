"""Releases, their checks (read, or run one) and their cards."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from clearance import governance
from clearance.cards import Approver, build_card
from clearance.errors import NotFoundError
from clearance.server._auth import Caller, Principal, allowed_to
from clearance.server._markdown import to_html
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._queries import (
    check_by_id,
    latest_check,
    list_releases,
    release_row,
    summary,
)
from clearance.server._schemas import Card, CheckOut, CheckRequest, ReleaseDetail, ReleaseSummary
from clearance.server._state import ServerState, state_of
from clearance.server.api._ids import RowId

router = APIRouter(prefix="/v1", tags=["releases"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]


@router.get("/releases", response_model=list[ReleaseSummary])
def get_releases(
    state: State,
    _: Caller,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ReleaseSummary]:
    """Releases, newest first, with their latest decision."""
    return list_releases(state, limit, offset)


@router.get("/releases/{name}", response_model=ReleaseDetail)
def get_release(name: str, state: State, _: Caller) -> ReleaseDetail:
    """One release with its latest check report and what approvals it still needs."""
    row = release_row(state, name)
    check = latest_check(state, row)
    missing: list[str] = []
    source = state.policy.source if state.policy is not None else None
    if state.policy is not None and source is not None and source.digest == row.policy_hash:
        missing = governance.missing_approvals(state.store, state.policy, name, ["approve_changes"])
    base = summary(row, check.created_at if check else None).model_dump()
    return ReleaseDetail(**base, latest_check=check, missing_approvals=missing)


@router.get("/checks/{check_id}", response_model=CheckOut, tags=["checks"])
def get_check(check_id: RowId, state: State, _: Caller) -> CheckOut:
    """A stored check and its ``clearance.report/v1`` report."""
    return check_by_id(state, check_id)


@router.post("/checks", response_model=CheckOut, status_code=201, tags=["checks"])
async def post_check(
    body: CheckRequest,
    state: State,
    who: Annotated[Principal, Depends(allowed_to("check.run"))],
) -> CheckOut:
    """Run ``clearance check`` with the server's policy (evals that are still valid are
    reused) and record the decision. Needs the ``own_evals`` role."""
    from clearance.release import run_check

    policy = state.require_policy()
    outcome = await run_in_threadpool(
        run_check, policy, state.store, actor=who.name, release=body.release
    )
    check = latest_check(state, release_row(state, outcome.release))
    assert check is not None  # run_check recorded it
    return check


@router.get("/releases/{name}/card", response_model=Card, tags=["cards"])
def get_card(
    name: str,
    state: State,
    _: Caller,
    kind: Annotated[Literal["model", "system"] | None, Query()] = None,
) -> Card:
    """The release's model or system card (Markdown and HTML), built from its latest
    stored report and its valid approvals."""
    return build_release_card(state, name, kind)


def build_release_card(state: ServerState, name: str, kind: str | None) -> Card:
    policy = state.require_policy()
    row = release_row(state, name)
    check = latest_check(state, row)
    if check is None:
        raise NotFoundError(f"release '{name}' has no check yet", fix="POST /v1/checks first")
    signed = tuple(
        Approver(a.approver, a.role, a.created_at.isoformat(timespec="seconds"))
        for a in governance.approvals(state.store, name)
    )
    card = build_card(
        policy, check.report, kind=kind, approvals=signed, fingerprint=row.candidate_fingerprint
    )
    text = state.redact(str(card))
    return Card(release=name, kind=kind or policy.system.kind, markdown=text, html=to_html(text))

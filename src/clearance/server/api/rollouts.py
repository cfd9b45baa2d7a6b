"""Rollouts: status, start, advance, pause, resume, roll back, one controller look, and
the sticky route. Who may do each is the governance rulebook's answer and each
transition runs under the governance guards, both through :func:`clearance.release.steer`
(the same function the CLI and the dashboard call)."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from clearance.release import look, steer
from clearance.rollout import Decision, RolloutState, Router
from clearance.rollout import status as _status
from clearance.server._auth import Caller, Principal, RouteCaller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState, state_of

router = APIRouter(prefix="/v1/releases/{name}", tags=["rollouts"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]


class ChangeRequest(BaseModel):
    reason: str = Field(default="", max_length=2000)
    """Why (recorded in the audit log)."""
    expected_version: int | None = Field(default=None, ge=0)
    """The rollout ``version`` the caller decided on (from ``GET .../rollout``). When
    given and no longer current, nothing changes and the answer is 409 with the current
    state. Send it: without it the transition applies to whatever the state is now."""


class AdvanceRequest(ChangeRequest):
    force: bool = False
    """Advance even though the current stage has not run its ``min_duration_s`` or
    collected its ``min_samples`` (on the smaller arm); without it such an advance is
    refused (400). A forced advance is recorded as such, with what it skipped, in the
    stage history and the audit log."""


class Route(BaseModel):
    release: str
    unit: str
    arm: Literal["candidate", "control"]
    weight: float
    status: str
    version: int


@router.get("/rollout", response_model=RolloutState)
def get_rollout(name: str, state: State, _: Caller) -> RolloutState:
    """Where the rollout stands: stage, weight, status and stage history."""
    return _status(state.store, name)


def do_step(
    state: ServerState, name: str, who: Principal, step: str, body: ChangeRequest | None
) -> RolloutState:
    """The API's and the dashboard's rollout buttons: the library's :func:`steer`, which
    checks the caller against the rulebook, the stage's guards and (to advance) the
    current stage's minimums."""
    body = body or ChangeRequest()
    reason = body.reason.strip()
    return steer(
        state.store,
        state.require_policy(),
        name,
        step,
        who.name,
        reasons=[reason] if reason else [],
        expected_version=body.expected_version,
        force=isinstance(body, AdvanceRequest) and body.force,
    )


@router.post("/rollout/start", response_model=RolloutState, status_code=201)
def start(name: str, state: State, who: Caller, body: ChangeRequest | None = None) -> RolloutState:
    """Start in the policy's first stage (``approve_changes``; refused while a guard
    blocks it)."""
    return do_step(state, name, who, "start", body)


@router.post("/rollout/advance", response_model=RolloutState)
def advance(
    name: str, state: State, who: Caller, body: AdvanceRequest | None = None
) -> RolloutState:
    """Enter the next stage now (``approve_changes``); the guards still apply. Refused
    (400) while the current stage has not met its minimum duration and samples, unless
    ``force`` (recorded)."""
    return do_step(state, name, who, "advance", body)


@router.post("/rollout/resume", response_model=RolloutState)
def resume(name: str, state: State, who: Caller, body: ChangeRequest | None = None) -> RolloutState:
    """Continue a paused stage (``approve_changes``); its observation restarts."""
    return do_step(state, name, who, "resume", body)


@router.post("/rollout/pause", response_model=RolloutState)
def pause(name: str, state: State, who: Caller, body: ChangeRequest | None = None) -> RolloutState:
    """Hold the current stage (approvers and incident responders)."""
    return do_step(state, name, who, "pause", body)


@router.post("/rollout/rollback", response_model=RolloutState)
def rollback(
    name: str, state: State, who: Caller, body: ChangeRequest | None = None
) -> RolloutState:
    """Send all traffic to the control now (approvers and incident responders). Rolling
    back twice changes nothing."""
    return do_step(state, name, who, "rollback", body)


@router.post("/rollout/tick", response_model=Decision)
def tick(name: str, state: State, who: Caller) -> Decision:
    """One controller look: feed new telemetry to the monitor and act (advance, pause,
    roll back, disable a tool) in the caller's name. State is rebuilt from the store, so
    any worker may look."""
    return look(state.store, state.require_policy(), name, who.name)


@router.get("/route", response_model=Route, tags=["telemetry"])
async def route(
    name: str,
    state: State,
    routers: Annotated[Routers, Depends(routers_of)],
    _: RouteCaller,
    unit: Annotated[str, Query(min_length=1, max_length=200)],
) -> Route:
    """Which arm serves ``unit`` now (sticky: a unit keeps its arm while the weight grows).
    Before a rollout, and after a rollback, everyone gets the control."""
    found = routers.get(state, name)
    assignment = found.assignment()
    arm = assignment.arm(unit, found.audience)
    return Route(
        release=name,
        unit=unit,
        arm=arm,
        weight=assignment.weight,
        status=assignment.status,
        version=assignment.version,
    )


class Routers:
    """One :class:`Router` per release in this process (each caches the store's rollout
    for 0.2 s), the least recently used dropped beyond ``size``."""

    def __init__(self, size: int = 1024) -> None:
        self.size, self._lock = size, Lock()
        self._by: OrderedDict[str, Router] = OrderedDict()

    def get(self, state: ServerState, release: str) -> Router:
        key = release
        with self._lock:
            found = self._by.get(key)
            if found is None:
                found = self._by[key] = Router(state.store, release)
            self._by.move_to_end(key)
            while len(self._by) > self.size:
                self._by.popitem(last=False)
        return found


def routers_of(request: Request) -> Routers:
    """This app's routers (created on first use)."""
    found = getattr(request.app.state, "routers", None)
    if found is None:
        found = request.app.state.routers = Routers()
    assert isinstance(found, Routers)
    return found

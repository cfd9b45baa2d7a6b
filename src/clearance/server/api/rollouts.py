"""Rollouts: status, start, advance, pause, resume, roll back, one controller look, and
the sticky route. Transitions go through :mod:`clearance.rollout`'s controller with the
governance guards (checklist cleared, the stage's approvals in, no severe incident open)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from clearance.errors import UsageError
from clearance.policy import Duty, Policy
from clearance.release import GovernanceGuards
from clearance.rollout import Change, Decision, Guards, RolloutState, Router
from clearance.rollout import advance as _advance
from clearance.rollout import pause as _pause
from clearance.rollout import resume as _resume
from clearance.rollout import rollback as _rollback
from clearance.rollout import start as _start
from clearance.rollout import status as _status
from clearance.rollout import tick as _tick
from clearance.server._auth import Caller, Principal, RouteCaller, requires
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState, state_of
from clearance.store import Store

router = APIRouter(prefix="/v1/releases/{name}", tags=["rollouts"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]
STEER: tuple[Duty, ...] = ("approve_changes",)
"""Who may start, advance and resume a rollout."""
STOP: tuple[Duty, ...] = ("approve_changes", "review_incidents", "disable_tools")
"""Who may pause or roll back: approvers and incident responders."""
Steerer = Annotated[Principal, Depends(requires(*STEER))]
Stopper = Annotated[Principal, Depends(requires(*STOP))]


class ChangeRequest(BaseModel):
    reason: str = Field(default="", max_length=2000)
    """Why (recorded in the audit log)."""


class Route(BaseModel):
    release: str
    unit: str
    arm: Literal["candidate", "control"]
    weight: float
    status: str
    version: int


def _change(who: Principal, body: ChangeRequest | None) -> Change:
    reason = body.reason.strip() if body is not None else ""
    return Change(who.name, [reason] if reason else [])


@router.get("/rollout", response_model=RolloutState)
def get_rollout(name: str, state: State, _: Caller) -> RolloutState:
    """Where the rollout stands: stage, weight, status and stage history."""
    return _status(state.store, name)


@router.post("/rollout/start", response_model=RolloutState, status_code=201)
def start(name: str, state: State, who: Steerer, body: ChangeRequest | None = None) -> RolloutState:
    """Start in the policy's first stage (refused while a guard blocks it)."""
    return _guarded(state, _start, name, _change(who, body))


@router.post("/rollout/advance", response_model=RolloutState)
def advance(
    name: str, state: State, who: Steerer, body: ChangeRequest | None = None
) -> RolloutState:
    """Enter the next stage now; the guards still apply."""
    return _guarded(state, _advance, name, _change(who, body))


@router.post("/rollout/resume", response_model=RolloutState)
def resume(
    name: str, state: State, who: Steerer, body: ChangeRequest | None = None
) -> RolloutState:
    """Continue a paused stage; its observation restarts on fresh telemetry."""
    return _guarded(state, _resume, name, _change(who, body))


@router.post("/rollout/pause", response_model=RolloutState)
def pause(name: str, state: State, who: Stopper, body: ChangeRequest | None = None) -> RolloutState:
    """Hold the current stage: traffic stays at its weight, nothing advances."""
    return _pause(state.store, name, _change(who, body))


@router.post("/rollout/rollback", response_model=RolloutState)
def rollback(
    name: str, state: State, who: Stopper, body: ChangeRequest | None = None
) -> RolloutState:
    """Send all traffic to the control now. Rolling back twice changes nothing."""
    return _rollback(state.store, name, _change(who, body))


def roll_back(state: ServerState, name: str, who: Principal, reason: str) -> RolloutState:
    """The dashboard's roll-back button: the same role check and transition as the API."""
    requires(*STOP)(who)
    return _rollback(state.store, name, _change(who, ChangeRequest(reason=reason[:2000])))


STEPS = ("start", "advance", "pause", "resume")
"""The transitions the dashboard offers besides roll back."""


def steer(state: ServerState, name: str, who: Principal, step: str) -> RolloutState:
    """The dashboard's rollout buttons: the same role checks and transitions as the API."""
    if step not in STEPS:
        raise UsageError(f"unknown rollout step '{step}'", fix=f"use one of: {', '.join(STEPS)}")
    requires(*(STOP if step == "pause" else STEER))(who)
    change = _change(who, ChangeRequest(reason="from the dashboard"))
    if step == "pause":
        return _pause(state.store, name, change)
    return _guarded(
        state, {"start": _start, "advance": _advance, "resume": _resume}[step], name, change
    )


Transition = Callable[[Store, Policy, str, Guards, Change], RolloutState]


def _guarded(state: ServerState, transition: Transition, name: str, change: Change) -> RolloutState:
    """A transition that enters a stage: under the policy, through governance's guards."""
    policy = state.require_policy()
    return transition(state.store, policy, name, GovernanceGuards(state.store, policy), change)


@router.post("/rollout/tick", response_model=Decision)
def tick(name: str, state: State, _: Stopper) -> Decision:
    """One controller look: feed new telemetry to the monitor and act (advance, pause,
    roll back, disable a tool). State is rebuilt from the store, so any worker may look."""
    policy = state.require_policy()
    return _tick(state.store, policy, name, GovernanceGuards(state.store, policy))


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

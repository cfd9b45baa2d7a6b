"""The stage scorecard of a rollout: what a controller look would decide now, with
candidate vs control on quality, latency, cost, feedback, safety events and escalations.
Reading it changes nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from clearance.release import GovernanceGuards
from clearance.rollout import Controller, Decision, RolloutState
from clearance.rollout import status as _status
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState, state_of

router = APIRouter(prefix="/v1/releases/{name}", tags=["rollouts"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]


class Scorecard(BaseModel):
    state: RolloutState
    decision: Decision
    """What a look would decide now (``scorecard`` holds the six comparisons)."""


@router.get("/rollout/scorecard", response_model=Scorecard)
def get_scorecard(name: str, state: State, _: Caller) -> Scorecard:
    """The current stage's scorecard and the decision a look would make, without acting."""
    store, policy = state.store, state.require_policy()
    current = _status(store, name)
    decision = Controller(store, policy, GovernanceGuards(store, policy)).peek(name)
    return Scorecard(state=current, decision=decision)

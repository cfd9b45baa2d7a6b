"""Users: add one (its API token is in the answer, once) or revoke one. Both need the
``manage_users`` duty (the governance rulebook decides, as for ``clearance user``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from clearance import governance
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState, state_of

router = APIRouter(prefix="/v1/users", tags=["users"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]


class UserRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    replace: bool = False
    """Issue a new token to an existing user (the old one stops working)."""


class UserToken(BaseModel):
    name: str
    token: str
    """Shown once: only its hash is stored."""


class UserOut(BaseModel):
    name: str
    active: bool


@router.post("", response_model=UserToken, status_code=201)
def post_user(body: UserRequest, state: State, who: Caller) -> UserToken:
    """Register a user and return their API token (once)."""
    token = governance.add_user(
        state.store, state.require_policy(), body.name, who.name, replace=body.replace
    )
    return UserToken(name=body.name, token=token)


@router.post("/{user}/revoke", response_model=UserOut)
def revoke(user: str, state: State, who: Caller) -> UserOut:
    """Stop ``user``'s token (and their dashboard sessions) from working."""
    governance.remove_user(state.store, state.require_policy(), user, who.name)
    return UserOut(name=user, active=False)

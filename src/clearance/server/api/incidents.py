"""Incidents: anyone signed in reports and reviews them; ``review_incidents`` owners
confirm and close. Only a confirmed high or critical incident blocks a rollout; one
reported by anybody else is listed with ``confirmed: false`` until an owner confirms it
(``POST .../review`` with ``confirm: true``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clearance import governance
from clearance.policy import Policy
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._schemas import IncidentNote, IncidentOut, IncidentRequest, IncidentReview
from clearance.server._state import ServerState, state_of
from clearance.server.api._ids import RowId
from clearance.store import IncidentRecord

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]


def _out(row: IncidentRecord, policy: Policy | None) -> IncidentOut:
    out = IncidentOut.model_validate(row, from_attributes=True)
    return out.model_copy(update={"confirmed": governance.is_confirmed(policy, row)})


@router.get("", response_model=list[IncidentOut])
def get_incidents(
    state: State,
    _: Caller,
    release: Annotated[str | None, Query(max_length=200)] = None,
    open_only: bool = False,
) -> list[IncidentOut]:
    """Incidents, oldest first; filter by release, or only those not closed. ``confirmed``
    says whether a ``review_incidents`` owner stands behind it (only then does it block)."""
    rows = governance.incidents(state.store, release, open_only=open_only)
    return [_out(row, state.policy) for row in rows]


@router.post("", response_model=IncidentOut, status_code=201)
def post_incident(body: IncidentRequest, state: State, who: Caller) -> IncidentOut:
    """Report an incident against a checked release; confirmed at once when the reporter
    holds ``review_incidents``."""
    row = governance.open_incident(
        state.store, state.policy, body.release, body.severity, body.title, who.name
    )
    return _out(row, state.policy)


@router.post("/{incident_id}/review", response_model=IncidentOut)
def review(incident_id: RowId, body: IncidentReview, state: State, who: Caller) -> IncidentOut:
    """Record a triage note on an open incident; with ``confirm: true`` also confirm it
    (``review_incidents`` owners only), so that a severe one blocks rollouts."""
    row = governance.review_incident(
        state.store, state.policy, incident_id, who.name, body.note, confirm=body.confirm
    )
    return _out(row, state.policy)


@router.post("/{incident_id}/close", response_model=IncidentOut)
def close(incident_id: RowId, body: IncidentNote, state: State, who: Caller) -> IncidentOut:
    """Close an incident with a resolution (``review_incidents`` owners only)."""
    policy = state.require_policy()
    row = governance.close_incident(state.store, policy, incident_id, who.name, body.note)
    return _out(row, policy)

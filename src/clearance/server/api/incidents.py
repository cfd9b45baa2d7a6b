"""Incidents: anyone signed in opens and reviews them; ``review_incidents`` owners close."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clearance import governance
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._schemas import IncidentNote, IncidentOut, IncidentRequest
from clearance.server._state import ServerState, state_of
from clearance.store import Incident

router = APIRouter(prefix="/v1/incidents", tags=["incidents"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]


def _out(row: Incident) -> IncidentOut:
    return IncidentOut.model_validate(row, from_attributes=True)


@router.get("", response_model=list[IncidentOut])
def get_incidents(
    state: State,
    _: Caller,
    release: Annotated[str | None, Query(max_length=200)] = None,
    open_only: bool = False,
) -> list[IncidentOut]:
    """Incidents, oldest first; filter by release, or only those not closed."""
    rows = governance.incidents(state.store, release, open_only=open_only)
    return [_out(row) for row in rows]


@router.post("", response_model=IncidentOut, status_code=201)
def post_incident(body: IncidentRequest, state: State, who: Caller) -> IncidentOut:
    """Open an incident against a checked release."""
    row = governance.open_incident(state.store, body.release, body.severity, body.title, who.name)
    return _out(row)


@router.post("/{incident_id}/review", response_model=IncidentOut)
def review(incident_id: int, body: IncidentNote, state: State, who: Caller) -> IncidentOut:
    """Record a triage note on an open incident."""
    return _out(governance.review_incident(state.store, incident_id, who.name, body.note))


@router.post("/{incident_id}/close", response_model=IncidentOut)
def close(incident_id: int, body: IncidentNote, state: State, who: Caller) -> IncidentOut:
    """Close an incident with a resolution (``review_incidents`` owners only)."""
    policy = state.require_policy()
    row = governance.close_incident(state.store, policy, incident_id, who.name, body.note)
    return _out(row)

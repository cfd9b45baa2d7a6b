"""Incidents about a release: opened by anyone, reviewed (triage note) by anyone, closed
only by a ``review_incidents`` owner. Open high or critical incidents block a rollout."""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import NotFoundError, UsageError
from clearance.governance._audit import append_in
from clearance.governance._common import now_utc, release_row, writing
from clearance.governance._roles import require
from clearance.policy import Policy
from clearance.store import Incident, Store

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
SEVERE: frozenset[str] = frozenset({"high", "critical"})


def open_incident(store: Store, release: str, severity: str, title: str, actor: str) -> Incident:
    """Open an incident against ``release`` (which must have been checked)."""
    if severity not in SEVERITIES:
        raise UsageError(
            f"unknown severity '{severity}'", fix=f"use one of: {', '.join(SEVERITIES)}"
        )
    if not title.strip():
        raise UsageError("an incident needs a title", fix="say what happened in a few words")
    with writing(store) as session:
        release_row(session, release)
        row = Incident(
            release=release,
            severity=severity,
            title=title,
            status="open",
            opened_by=actor,
            opened_at=now_utc(),
        )
        session.add(row)
        session.flush()
        payload = {"incident": row.id, "severity": severity, "title": title}
        append_in(session, actor, "incident.opened", release, payload)
    return row


def review_incident(store: Store, incident: int, actor: str, note: str = "") -> Incident:
    """Record a review (triage) of an open incident."""
    with writing(store) as session:
        row = _open_row(session, incident)
        row.status, row.reviewed_by, row.review_note = "reviewing", actor, note
        payload = {"incident": incident, "note": note}
        append_in(session, actor, "incident.reviewed", row.release, payload)
    return row


def close_incident(
    store: Store, policy: Policy, incident: int, actor: str, resolution: str = ""
) -> Incident:
    """Close an incident; only holders of ``review_incidents`` may."""
    require(policy, "review_incidents", actor, f"close incident {incident}")
    with writing(store) as session:
        row = _open_row(session, incident)
        row.status, row.closed_by, row.closed_at = "closed", actor, now_utc()
        row.resolution = resolution
        payload = {"incident": incident, "resolution": resolution}
        append_in(session, actor, "incident.closed", row.release, payload)
    return row


def incidents(
    store: Store, release: str | None = None, *, open_only: bool = False
) -> list[Incident]:
    """Incidents, oldest first, optionally of one release and only those not closed."""
    query = select(Incident).order_by(Incident.id)
    if release is not None:
        query = query.where(Incident.release == release)
    if open_only:
        query = query.where(Incident.status != "closed")
    with store.session() as session:
        return list(session.scalars(query))


def open_severe_incidents(store: Store, release: str) -> list[Incident]:
    """Open high or critical incidents of ``release``: while any exist, do not advance."""
    return [i for i in incidents(store, release, open_only=True) if i.severity in SEVERE]


def _open_row(session: Session, incident: int) -> Incident:
    row = session.get(Incident, incident)
    if row is None:
        raise NotFoundError(f"no incident {incident}", fix="see `clearance incident list`")
    if row.status == "closed":
        raise UsageError(f"incident {incident} is already closed", fix="open a new incident")
    return row

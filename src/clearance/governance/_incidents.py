"""Incidents about a release: reported by anyone, reviewed (triage note) by anyone,
confirmed and closed only by a ``review_incidents`` owner.

An open high or critical incident blocks a rollout only once it is *confirmed*, so that
nobody can stop (or, by flooding, hide) a rollout just by filing a report:

* opened by a holder of ``review_incidents``: confirmed at once (``confirmed_by``);
* opened by anyone else: *reported, awaiting confirmation by review_incidents*. It is
  listed (``confirmed: false``) but does not block until a holder reviews it with
  ``confirm=True`` (``clearance incident review ID --confirm``; API ``confirm: true``).
  A plain review (a triage note) never confirms, whoever writes it, and nothing but
  closing the incident undoes a confirmation.

Incidents opened before confirmations were recorded (``confirmed_by`` empty) count as
confirmed when their opener holds ``review_incidents`` under the policy in force.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import NotFoundError, PermissionDenied, UsageError
from clearance.governance._audit import append_in
from clearance.governance._common import now_utc, release_row, writing
from clearance.governance._rules import authorize
from clearance.policy import SEVERITIES as SEVERITIES
from clearance.policy import Policy
from clearance.store import Incident, Store, Tx

SEVERE: frozenset[str] = frozenset({"high", "critical"})


def open_incident(
    store: Store, policy: Policy | None, release: str, severity: str, title: str, actor: str
) -> Incident:
    """Open an incident against ``release`` (which must have been checked). It is confirmed
    at once when ``actor`` holds ``review_incidents`` under ``policy``."""
    if severity not in SEVERITIES:
        raise UsageError(
            f"unknown severity '{severity}'", fix=f"use one of: {', '.join(SEVERITIES)}"
        )
    if not title.strip():
        raise UsageError("an incident needs a title", fix="say what happened in a few words")
    with writing(store) as session:
        release_row(session, release)
        now = now_utc()
        row = Incident(
            release=release,
            severity=severity,
            title=title,
            status="open",
            opened_by=actor,
            opened_at=now,
        )
        if actor in _reviewers(policy):
            row.confirmed_by, row.confirmed_at = actor, now
        session.add(row)
        session.flush()
        payload = {
            "incident": row.id,
            "severity": severity,
            "title": title,
            "confirmed": row.confirmed_by is not None,
        }
        append_in(Tx(session), actor, "incident.opened", release, payload)
    return row


def review_incident(
    store: Store,
    policy: Policy | None,
    incident: int,
    actor: str,
    note: str = "",
    *,
    confirm: bool = False,
) -> Incident:
    """Record a review (triage) of an open incident. With ``confirm``, also confirm it, so
    that it blocks rollouts when severe; only holders of ``review_incidents`` may confirm.
    A review without ``confirm`` leaves the confirmation as it was."""
    if confirm:
        if policy is None:
            raise PermissionDenied(
                f"{actor} may not confirm incident {incident}: without a policy nobody "
                "holds 'review_incidents'",
                fix="use the policy (--policy / clearance serve --policy) that names the owners",
            )
        authorize(policy, actor, "incident.confirm", subject=f"incident {incident}")
    with writing(store) as session:
        row = _open_row(session, incident)
        row.status, row.reviewed_by, row.review_note = "reviewing", actor, note
        if confirm and row.confirmed_by is None:
            row.confirmed_by, row.confirmed_at = actor, now_utc()
        payload = {"incident": incident, "note": note, "confirmed": row.confirmed_by is not None}
        action = "incident.confirmed" if confirm else "incident.reviewed"
        append_in(Tx(session), actor, action, row.release, payload)
    return row


def close_incident(
    store: Store, policy: Policy, incident: int, actor: str, resolution: str = ""
) -> Incident:
    """Close an incident; only holders of ``review_incidents`` may."""
    authorize(policy, actor, "incident.close", subject=f"incident {incident}")
    with writing(store) as session:
        row = _open_row(session, incident)
        row.status, row.closed_by, row.closed_at = "closed", actor, now_utc()
        row.resolution = resolution
        payload = {"incident": incident, "resolution": resolution}
        append_in(Tx(session), actor, "incident.closed", row.release, payload)
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


def is_confirmed(policy: Policy | None, incident: Incident) -> bool:
    """Whether ``incident`` was confirmed by a ``review_incidents`` holder: recorded when
    one opened or confirmed it, or (for incidents from before confirmations were
    recorded) because its opener holds the duty under ``policy``."""
    return incident.confirmed_by is not None or incident.opened_by in _reviewers(policy)


def open_severe_incidents(store: Store, policy: Policy | None, release: str) -> list[Incident]:
    """Open, confirmed high or critical incidents of ``release``: while any exist, do not
    advance. Unconfirmed reports are :func:`unconfirmed_severe_incidents`."""
    return [i for i in _open_severe(store, release) if is_confirmed(policy, i)]


def unconfirmed_severe_incidents(
    store: Store, policy: Policy | None, release: str
) -> list[Incident]:
    """Open high or critical incidents of ``release`` reported by someone not holding
    ``review_incidents`` and not yet confirmed by a holder: shown, but not blocking."""
    return [i for i in _open_severe(store, release) if not is_confirmed(policy, i)]


def _open_severe(store: Store, release: str) -> list[Incident]:
    return [i for i in incidents(store, release, open_only=True) if i.severity in SEVERE]


def _reviewers(policy: Policy | None) -> frozenset[str]:
    return frozenset(policy.owners.holders("review_incidents")) if policy else frozenset()


def _open_row(session: Session, incident: int) -> Incident:
    row = session.get(Incident, incident)
    if row is None:
        raise NotFoundError(f"no incident {incident}", fix="see `clearance incident list`")
    if row.status == "closed":
        raise UsageError(f"incident {incident} is already closed", fix="open a new incident")
    return row

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

from datetime import UTC, datetime

from clearance.errors import PermissionDenied, UsageError
from clearance.governance._audit import append_in
from clearance.governance._rules import authorize
from clearance.policy import SEVERITIES as SEVERITIES
from clearance.policy import Policy
from clearance.store import IncidentRecord, Store, Tx

SEVERE: frozenset[str] = frozenset({"high", "critical"})


def open_incident(
    store: Store, policy: Policy | None, release: str, severity: str, title: str, actor: str
) -> IncidentRecord:
    """Open an incident against ``release`` (which must have been checked). It is confirmed
    at once when ``actor`` holds ``review_incidents`` under ``policy``."""
    if severity not in SEVERITIES:
        raise UsageError(
            f"unknown severity '{severity}'", fix=f"use one of: {', '.join(SEVERITIES)}"
        )
    if not title.strip():
        raise UsageError("an incident needs a title", fix="say what happened in a few words")
    with store.transaction(exclusive=True) as tx:
        tx.releases.get(release)
        confirmed = actor in _reviewers(policy)
        row = tx.governance.add_incident(
            release, severity, title, actor, datetime.now(UTC), confirmed=confirmed
        )
        payload = {"incident": row.id, "severity": severity, "title": title, "confirmed": confirmed}
        append_in(tx, actor, "incident.opened", release, payload)
    return row


def review_incident(
    store: Store,
    policy: Policy | None,
    incident: int,
    actor: str,
    note: str = "",
    *,
    confirm: bool = False,
) -> IncidentRecord:
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
    with store.transaction(exclusive=True) as tx:
        _still_open(tx, incident)
        at = datetime.now(UTC) if confirm else None
        row = tx.governance.review_incident(incident, actor, note, confirm_at=at)
        payload = {"incident": incident, "note": note, "confirmed": row.confirmed_by is not None}
        action = "incident.confirmed" if confirm else "incident.reviewed"
        append_in(tx, actor, action, row.release, payload)
    return row


def close_incident(
    store: Store, policy: Policy, incident: int, actor: str, resolution: str = ""
) -> IncidentRecord:
    """Close an incident; only holders of ``review_incidents`` may."""
    authorize(policy, actor, "incident.close", subject=f"incident {incident}")
    with store.transaction(exclusive=True) as tx:
        _still_open(tx, incident)
        row = tx.governance.close_incident(incident, actor, resolution, datetime.now(UTC))
        payload = {"incident": incident, "resolution": resolution}
        append_in(tx, actor, "incident.closed", row.release, payload)
    return row


def incidents(
    store: Store, release: str | None = None, *, open_only: bool = False
) -> list[IncidentRecord]:
    """Incidents, oldest first, optionally of one release and only those not closed."""
    with store.transaction() as tx:
        return tx.governance.incidents(release, open_only=open_only)


def is_confirmed(policy: Policy | None, incident: IncidentRecord) -> bool:
    """Whether ``incident`` was confirmed by a ``review_incidents`` holder: recorded when
    one opened or confirmed it, or (for incidents from before confirmations were
    recorded) because its opener holds the duty under ``policy``."""
    return incident.confirmed_by is not None or incident.opened_by in _reviewers(policy)


def open_severe_incidents(
    store: Store, policy: Policy | None, release: str
) -> list[IncidentRecord]:
    """Open, confirmed high or critical incidents of ``release``: while any exist, do not
    advance. Unconfirmed reports are :func:`unconfirmed_severe_incidents`."""
    return [i for i in _open_severe(store, release) if is_confirmed(policy, i)]


def unconfirmed_severe_incidents(
    store: Store, policy: Policy | None, release: str
) -> list[IncidentRecord]:
    """Open high or critical incidents of ``release`` reported by someone not holding
    ``review_incidents`` and not yet confirmed by a holder: shown, but not blocking."""
    return [i for i in _open_severe(store, release) if not is_confirmed(policy, i)]


def _open_severe(store: Store, release: str) -> list[IncidentRecord]:
    return [i for i in incidents(store, release, open_only=True) if i.severity in SEVERE]


def _reviewers(policy: Policy | None) -> frozenset[str]:
    return frozenset(policy.owners.holders("review_incidents")) if policy else frozenset()


def _still_open(tx: Tx, incident: int) -> None:
    if tx.governance.incident(incident).status == "closed":
        raise UsageError(f"incident {incident} is already closed", fix="open a new incident")

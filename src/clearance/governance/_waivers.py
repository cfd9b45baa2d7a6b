"""Waivers: a named owner accepts a failing area for a while, with a reason and an expiry.

Only holders of the duty that owns the area (see :data:`WAIVER_DUTY`) may waive it. A
waiver is bound to the policy and the candidate it was given for: re-checking the same
candidate keeps it (until it expires), but a new candidate or a changed policy under the
same release name does not inherit it; the owner must look again and waive again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from clearance.errors import UsageError
from clearance.governance._audit import append_in
from clearance.governance._common import (
    content_hash,
    now_utc,
    parse_future,
    release_row,
    same_policy,
    utc,
    writing,
)
from clearance.governance._roles import WAIVER_DUTY, as_area, require
from clearance.policy import Policy
from clearance.store import Release, Store, Waiver

if TYPE_CHECKING:
    from clearance.checklist import WaiverInfo


def waive(
    store: Store,
    policy: Policy,
    release: str,
    area: str,
    actor: str,
    reason: str,
    expires: str | datetime,
) -> WaiverInfo:
    """Waive ``area`` of ``release`` until ``expires`` (a datetime, an ISO date or
    datetime, or a duration such as ``14d``)."""
    known = as_area(area)
    duty = WAIVER_DUTY[known]
    if not reason.strip():
        raise UsageError("a waiver needs a reason", fix="pass --reason 'why this is acceptable'")
    now = now_utc()
    until = parse_future(expires, now=now) if isinstance(expires, str) else utc(expires)
    if until <= now:
        raise UsageError("the waiver's expiry is in the past", fix="give a future expiry")
    with writing(store) as session:
        row = release_row(session, release)
        same_policy(policy, row)
        require(policy, duty, actor, f"waive {known} of '{release}'")
        session.add(
            Waiver(
                release_id=row.id,
                area=known,
                owner=actor,
                role=duty,
                reason=reason,
                expires_at=until,
                created_at=now,
                binding=binding_of(row),
            )
        )
        payload = {"area": known, "role": duty, "reason": reason, "expires": until.isoformat()}
        append_in(session, actor, "waiver.granted", release, payload)
    from clearance.checklist import WaiverInfo  # the report's type; imported when used

    return WaiverInfo(owner=actor, role=duty, reason=reason, expires=until.isoformat())


def active_waivers(
    store: Store, release: str, now: datetime | None = None, *, binding: str | None = None
) -> dict[str, WaiverInfo]:
    """Area → the waiver in force for ``release`` at ``now`` (latest expiry wins).
    Expired and revoked waivers do not count, nor those given for another policy or
    candidate; an unknown release has none. ``binding`` (see :func:`waiver_binding`)
    describes the candidate being checked, when it is newer than the release's record."""
    from clearance.checklist import WaiverInfo  # the report's type; imported when used

    moment = utc(now) if now else now_utc()
    active: dict[str, tuple[datetime, WaiverInfo]] = {}
    rows, recorded = _rows(store, release)
    current = binding or recorded
    for row in rows:
        until = utc(row.expires_at)
        if row.revoked_at is not None or until <= moment:
            continue
        if row.binding is not None and row.binding != current:
            continue  # given for another candidate or policy
        if row.area not in active or until > active[row.area][0]:
            info = WaiverInfo(
                owner=row.owner, role=row.role, reason=row.reason, expires=until.isoformat()
            )
            active[row.area] = (until, info)
    return {area: info for area, (_, info) in active.items()}


def waivers(store: Store, release: str) -> list[Waiver]:
    """Every waiver ever given for ``release``, oldest first (for listings)."""
    with store.session() as session:
        row = release_row(session, release)
        return list(
            session.scalars(select(Waiver).where(Waiver.release_id == row.id).order_by(Waiver.id))
        )


def waiver_binding(policy_hash: str, candidate_fingerprint: str) -> str:
    """What a waiver is bound to: the policy and the candidate (not the evidence, so
    re-running the same candidate keeps the waiver)."""
    return content_hash(policy_hash, candidate_fingerprint, "")


def binding_of(row: Release) -> str:
    return waiver_binding(row.policy_hash, row.candidate_fingerprint)


def _rows(store: Store, release: str) -> tuple[list[Waiver], str]:
    with store.session() as session:
        found = session.scalars(select(Release).where(Release.name == release)).first()
        if found is None:
            return [], ""
        query = select(Waiver).where(Waiver.release_id == found.id)
        return list(session.scalars(query)), binding_of(found)

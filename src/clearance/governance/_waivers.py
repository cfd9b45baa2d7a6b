"""Waivers: a named owner accepts a failing area for a while, with a reason and an expiry.

Only holders of the duty that owns the area (see :data:`WAIVER_DUTY`) may waive it. A
waiver belongs to the release by name, so it survives re-checks until it expires.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from clearance.errors import UsageError
from clearance.governance._audit import append_in
from clearance.governance._common import (
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
            )
        )
        payload = {"area": known, "role": duty, "reason": reason, "expires": until.isoformat()}
        append_in(session, actor, "waiver.granted", release, payload)
    from clearance.checklist import WaiverInfo  # the report's type; imported when used

    return WaiverInfo(owner=actor, role=duty, reason=reason, expires=until.isoformat())


def active_waivers(
    store: Store, release: str, now: datetime | None = None
) -> dict[str, WaiverInfo]:
    """Area → the waiver in force for ``release`` at ``now`` (latest expiry wins).
    Expired and revoked waivers do not count; an unknown release has none."""
    from clearance.checklist import WaiverInfo  # the report's type; imported when used

    moment = utc(now) if now else now_utc()
    active: dict[str, tuple[datetime, WaiverInfo]] = {}
    for row in _rows(store, release):
        until = utc(row.expires_at)
        if row.revoked_at is not None or until <= moment:
            continue
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


def _rows(store: Store, release: str) -> list[Waiver]:
    with store.session() as session:
        query = (
            select(Waiver)
            .join(Release, Release.id == Waiver.release_id)
            .where(Release.name == release)
        )
        return list(session.scalars(query))

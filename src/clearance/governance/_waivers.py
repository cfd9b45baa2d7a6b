"""Waivers: a named owner accepts a failing area for a while, with a reason and an expiry.

Only holders of the duty that owns the area (see :data:`WAIVER_DUTY`) may waive it, or
revoke a waiver of it. A waiver is bound to the policy and the candidate it was given for:
re-checking the same candidate keeps it (until it expires or is revoked), but a new
candidate or a changed policy under the same release name does not inherit it; the owner
must look again and waive again. :func:`waiver_status` is the one rule for whether a
waiver is in force; the checklist, the bundle and the server all go through it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from clearance.common import utc
from clearance.errors import NotFoundError, UsageError
from clearance.governance._audit import append_in
from clearance.governance._common import content_hash, parse_future, same_policy
from clearance.governance._refusals import recording_refusals
from clearance.governance._roles import WAIVER_DUTY, as_area
from clearance.governance._rules import authorize
from clearance.policy import Area, Policy
from clearance.store import ReleaseNotFound, ReleaseRecord, Store, Tx, WaiverNotFound, WaiverRecord

if TYPE_CHECKING:
    from clearance.checklist import WaiverInfo

WaiverStatus = Literal["in_force", "expired", "revoked", "other_candidate"]
"""``in_force``; ``expired``; ``revoked``; ``other_candidate``: given for another policy
or candidate than the one checked now."""


@recording_refusals("waive")
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
    now = datetime.now(UTC)
    until = parse_future(expires, now=now) if isinstance(expires, str) else utc(expires)
    if until <= now:
        raise UsageError("the waiver's expiry is in the past", fix="give a future expiry")
    with store.transaction(exclusive=True) as tx:
        row = tx.releases.get(release)
        same_policy(policy, row)
        authorize(policy, actor, "waive", area=known, subject=release)
        tx.governance.add_waiver(
            row.id,
            area=known,
            owner=actor,
            role=duty,
            reason=reason,
            expires_at=until,
            created_at=now,
            binding=binding_of(row),
        )
        payload = {"area": known, "role": duty, "reason": reason, "expires": until.isoformat()}
        append_in(tx, actor, "waiver.granted", release, payload)
    from clearance.checklist import WaiverInfo  # the report's type; imported when used

    return WaiverInfo(owner=actor, role=duty, reason=reason, expires=until.isoformat())


@recording_refusals("revoke_waiver")
def revoke_waiver(
    store: Store, policy: Policy, release: str, waiver: int | str, actor: str, reason: str
) -> list[WaiverRecord]:
    """Revoke a waiver of ``release``: ``waiver`` is its id, or an area (then every
    waiver of that area in force is revoked). Only holders of the duty that may waive
    the area may revoke; the revocation is audited (``waiver.revoked``) and the waiver no
    longer counts from now on. Returns the revoked waivers."""
    if not reason.strip():
        raise UsageError(
            "a revocation needs a reason", fix="pass --reason 'why the waiver no longer holds'"
        )
    now = datetime.now(UTC)
    with store.transaction(exclusive=True) as tx:
        row = tx.releases.get(release)
        same_policy(policy, row)
        targets, area = _targets(tx, row, waiver, now)
        authorize(policy, actor, "waiver.revoke", area=area, subject=release)
        for target in targets:
            if target.revoked_at is not None:
                raise UsageError(
                    f"waiver {target.id} was already revoked by {target.revoked_by}",
                    fix="nothing to do: it is not in force",
                )
        return [_revoke(tx, release, target, actor, reason, now) for target in targets]


def _targets(
    tx: Tx, release: ReleaseRecord, waiver: int | str, now: datetime
) -> tuple[list[WaiverRecord], Area]:
    """The waivers ``waiver`` names (an id, or an area's waivers in force) and the area."""
    rows = tx.governance.waivers(release.id)
    if isinstance(waiver, int) or waiver.strip().isdigit():
        number = int(waiver)
        found = [w for w in rows if w.id == number]
        if not found:
            raise WaiverNotFound(release.name, number)
        return found, as_area(found[0].area)
    area = as_area(waiver)
    current = binding_of(release)
    found = [w for w in rows if w.area == area and waiver_status(w, current, now) == "in_force"]
    if not found:
        raise NotFoundError(
            f"no waiver of {area} is in force for '{release.name}'",
            fix="check the area, or name the waiver by its id",
        )
    return found, area


def _revoke(
    tx: Tx, release: str, row: WaiverRecord, actor: str, reason: str, now: datetime
) -> WaiverRecord:
    revoked = tx.governance.revoke_waiver(release, row.id, actor, reason, now)
    payload = {"id": row.id, "area": row.area, "role": row.role, "owner": row.owner}
    append_in(tx, actor, "waiver.revoked", release, {**payload, "reason": reason})
    return revoked


def waiver_status(row: WaiverRecord, binding: str, now: datetime | None = None) -> WaiverStatus:
    """Whether ``row`` is in force at ``now`` for the candidate and policy ``binding``
    (see :func:`waiver_binding`), and if not, why."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= (utc(now) if now else datetime.now(UTC)):
        return "expired"
    if row.binding is not None and row.binding != binding:
        return "other_candidate"
    return "in_force"


def waiver_statuses(
    store: Store, release: str, now: datetime | None = None
) -> list[tuple[WaiverRecord, WaiverStatus]]:
    """Every waiver of ``release``, oldest first, with its status for the candidate the
    release was last checked with."""
    rows, recorded = _rows(store, release)
    if not recorded:
        raise ReleaseNotFound(release)
    moment = now or datetime.now(UTC)
    return [(row, waiver_status(row, recorded, moment)) for row in sorted(rows, key=_id)]


def _id(row: WaiverRecord) -> int:
    return row.id


def active_waivers(
    store: Store, release: str, now: datetime | None = None, *, binding: str | None = None
) -> dict[str, WaiverInfo]:
    """Area → the waiver in force for ``release`` at ``now`` (latest expiry wins).
    Expired and revoked waivers do not count, nor those given for another policy or
    candidate; an unknown release has none. ``binding`` (see :func:`waiver_binding`)
    describes the candidate being checked, when it is newer than the release's record."""
    from clearance.checklist import WaiverInfo  # the report's type; imported when used

    moment = utc(now) if now else datetime.now(UTC)
    active: dict[str, tuple[datetime, WaiverInfo]] = {}
    rows, recorded = _rows(store, release)
    current = binding or recorded
    for row in rows:
        if waiver_status(row, current, moment) != "in_force":
            continue
        until = row.expires_at
        if row.area not in active or until > active[row.area][0]:
            info = WaiverInfo(
                owner=row.owner, role=row.role, reason=row.reason, expires=until.isoformat()
            )
            active[row.area] = (until, info)
    return {area: info for area, (_, info) in active.items()}


def waivers(store: Store, release: str) -> list[WaiverRecord]:
    """Every waiver ever given for ``release``, oldest first (for listings)."""
    with store.transaction() as tx:
        return tx.governance.waivers(tx.releases.get(release).id)


def waiver_binding(policy_hash: str, candidate_fingerprint: str) -> str:
    """What a waiver is bound to: the policy and the candidate (not the evidence, so
    re-running the same candidate keeps the waiver)."""
    return content_hash(policy_hash, candidate_fingerprint, "")


def binding_of(row: ReleaseRecord) -> str:
    return waiver_binding(row.policy_hash, row.candidate_fingerprint)


def _rows(store: Store, release: str) -> tuple[list[WaiverRecord], str]:
    with store.transaction() as tx:
        found = tx.releases.find(release)
        if found is None:
            return [], ""
        return tx.governance.waivers(found.id), binding_of(found)

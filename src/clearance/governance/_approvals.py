"""Approvals bound to a release's content hash, with separation of duties.

An approval counts only while the release's content hash (policy hash, candidate
fingerprint, evidence hash) is the one it was given for. A new check that changes any of
them voids it: validity is always computed against the current hash, and
:func:`void_stale_approvals_in` also stamps ``voided_at`` for the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import PermissionDenied, UsageError
from clearance.governance._audit import append_in
from clearance.governance._common import (
    now_utc,
    release_row,
    row_content_hash,
    same_policy,
    utc,
    writing,
)
from clearance.governance._roles import as_duty
from clearance.governance._rules import authorize
from clearance.policy import Duty, Policy
from clearance.store import Approval, Release, Store, Tx


@dataclass(frozen=True)
class ApprovalInfo:
    """One approval as read back, with whether it still counts."""

    release: str
    role: str
    approver: str
    content_hash: str
    created_at: datetime
    valid: bool
    voided_at: datetime | None = None


def approve(store: Store, policy: Policy, release: str, role: str, actor: str) -> ApprovalInfo:
    """Record ``actor``'s approval of ``release`` in ``role`` (a duty name)."""
    duty = as_duty(role)
    with writing(store) as session:
        row = release_row(session, release)
        same_policy(policy, row)
        _may_approve(policy, row, duty, actor)
        current = row_content_hash(row)
        _void_stale(session, row, current, actor)
        if any(a.approver == actor and a.role == duty for a in _valid(session, row, current)):
            raise UsageError(
                f"{actor} has already approved '{release}' as {duty} for this evidence",
                fix="nothing to do; a different person must give any further approval",
            )
        now = now_utc()
        session.add(
            Approval(
                release_id=row.id, role=duty, approver=actor, content_hash=current, created_at=now
            )
        )
        append_in(
            Tx(session), actor, "approval.granted", release, {"role": duty, "content_hash": current}
        )
    return ApprovalInfo(release, duty, actor, current, now, True)


def _may_approve(policy: Policy, row: Release, duty: Duty, actor: str) -> None:
    authors = {row.created_by, row.evidence_changed_by} - {None}
    if actor in authors:
        raise PermissionDenied(
            f"{actor} may not approve '{row.name}': they opened it or last changed its "
            "evidence (separation of duties)",
            fix="ask another holder of the duty to approve",
        )
    authorize(policy, actor, "approve", duty=duty, subject=row.name)


def _valid(session: Session, row: Release, current: str) -> list[Approval]:
    query = select(Approval).where(Approval.release_id == row.id).order_by(Approval.id)
    return [a for a in session.scalars(query) if a.content_hash == current and a.voided_at is None]


def _void_stale(session: Session, row: Release, current: str, actor: str) -> int:
    stale = list(
        session.scalars(
            select(Approval).where(
                Approval.release_id == row.id,
                Approval.voided_at.is_(None),
                Approval.content_hash != current,
            )
        )
    )
    if not stale:
        return 0
    now = now_utc()
    for approval in stale:
        approval.voided_at = now
    append_in(
        Tx(session),
        actor,
        "approval.voided",
        row.name,
        {"count": len(stale), "content_hash": current, "approvers": [a.approver for a in stale]},
    )
    return len(stale)


def void_stale_approvals_in(tx: Tx, release: str, actor: str = "clearance") -> int:
    """Stamp ``voided_at`` on approvals given for an earlier content hash of ``release``,
    inside the caller's exclusive transaction (the release layer calls it after a check)."""
    session = tx._session
    row = release_row(session, release)
    return _void_stale(session, row, row_content_hash(row), actor)


def void_stale_approvals(store: Store, release: str, actor: str = "clearance") -> int:
    """:func:`void_stale_approvals_in` in its own transaction."""
    with writing(store) as session:
        return void_stale_approvals_in(Tx(session), release, actor)


def approvals(store: Store, release: str, *, valid_only: bool = True) -> list[ApprovalInfo]:
    """Approvals of ``release`` in the order given; only those that still count by default."""
    with store.session() as session:
        row = release_row(session, release)
        current = row_content_hash(row)
        rows = session.scalars(
            select(Approval).where(Approval.release_id == row.id).order_by(Approval.id)
        )
        infos = [_info(release, a, current) for a in rows]
    return [a for a in infos if a.valid] if valid_only else infos


def _info(release: str, a: Approval, current: str) -> ApprovalInfo:
    valid = a.content_hash == current and a.voided_at is None
    voided = utc(a.voided_at) if a.voided_at else None
    return ApprovalInfo(
        release, a.role, a.approver, a.content_hash, utc(a.created_at), valid, voided
    )


def policy_mismatch(store: Store, policy: Policy, release: str) -> str | None:
    """Why ``policy`` may not steer ``release`` (it is not the policy the release was
    checked with: someone could have removed a stage's approvals locally), or None."""
    with store.session() as session:
        row = release_row(session, release)
        try:
            same_policy(policy, row)
        except UsageError as exc:
            return exc.message
    return None


def missing_approvals(
    store: Store, policy: Policy, release: str, duties: Iterable[str]
) -> list[str]:
    """What is still missing before ``release`` has the approvals ``duties`` need, one
    readable line per duty short of its ``min_approvals``; empty when all are in."""
    valid = approvals(store, release)
    with store.session() as session:
        row = release_row(session, release)
        authors = {row.created_by, row.evidence_changed_by} - {None}
    return [
        line
        for duty in dict.fromkeys(as_duty(d) for d in duties)
        if (line := _missing(policy, release, duty, valid, authors))
    ]


def _missing(
    policy: Policy, release: str, duty: Duty, valid: list[ApprovalInfo], authors: set[str | None]
) -> str:
    holders = policy.owners.holders(duty)
    need = getattr(policy.owners, duty).min_approvals
    counted = (a for a in valid if a.role == duty and a.approver not in authors)
    have = sorted({a.approver for a in counted if a.approver in holders})
    if len(have) >= need:
        return ""
    if not holders:
        return f"{duty}: nobody holds this duty; add people under owners.{duty} in the policy"
    eligible = [p for p in holders if p not in have and p not in authors]
    got = f" (so far: {', '.join(have)})" if have else ""
    ask = ", ".join(eligible) if eligible else "nobody eligible: add owners"
    return (
        f"{duty}: {len(have)} of {need} approvals{got}; ask {ask} to run "
        f"`clearance approve {release} --role {duty}`"
    )

"""Approvals bound to a release's content hash, with separation of duties.

An approval counts only while the release's content hash (policy hash, candidate
fingerprint, evidence hash) is the one it was given for. A new check that changes any of
them voids it: validity is always computed against the current hash, and
:func:`void_stale_approvals_in` also stamps ``voided_at`` for the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from clearance.errors import PermissionDenied, UsageError
from clearance.governance._audit import append_in
from clearance.governance._common import row_content_hash, same_policy
from clearance.governance._roles import as_duty
from clearance.governance._rules import authorize
from clearance.policy import Duty, Policy
from clearance.store import ApprovalRecord, ReleaseRecord, Store, Tx


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
    with store.transaction(exclusive=True) as tx:
        row = tx.releases.get(release)
        same_policy(policy, row)
        _may_approve(policy, row, duty, actor)
        current = row_content_hash(row)
        _void_stale(tx, row, current, actor)
        if any(a.approver == actor and a.role == duty for a in _valid(tx, row, current)):
            raise UsageError(
                f"{actor} has already approved '{release}' as {duty} for this evidence",
                fix="nothing to do; a different person must give any further approval",
            )
        now = datetime.now(UTC)
        tx.governance.add_approval(row.id, duty, actor, current, now)
        payload = {"role": duty, "content_hash": current}
        append_in(tx, actor, "approval.granted", release, payload)
    return ApprovalInfo(release, duty, actor, current, now, True)


def _may_approve(policy: Policy, row: ReleaseRecord, duty: Duty, actor: str) -> None:
    authors = {row.created_by, row.evidence_changed_by} - {None}
    if actor in authors:
        raise PermissionDenied(
            f"{actor} may not approve '{row.name}': they opened it or last changed its "
            "evidence (separation of duties)",
            fix="ask another holder of the duty to approve",
        )
    authorize(policy, actor, "approve", duty=duty, subject=row.name)


def _valid(tx: Tx, row: ReleaseRecord, current: str) -> list[ApprovalRecord]:
    given = tx.governance.approvals(row.id)
    return [a for a in given if a.content_hash == current and a.voided_at is None]


def _void_stale(tx: Tx, row: ReleaseRecord, current: str, actor: str) -> int:
    stale = tx.governance.void_approvals(row.id, current, datetime.now(UTC))
    if not stale:
        return 0
    append_in(
        tx,
        actor,
        "approval.voided",
        row.name,
        {"count": len(stale), "content_hash": current, "approvers": [a.approver for a in stale]},
    )
    return len(stale)


def void_stale_approvals_in(tx: Tx, release: str, actor: str = "clearance") -> int:
    """Stamp ``voided_at`` on approvals given for an earlier content hash of ``release``,
    inside the caller's exclusive transaction (the release layer calls it after a check)."""
    row = tx.releases.get(release)
    return _void_stale(tx, row, row_content_hash(row), actor)


def void_stale_approvals(store: Store, release: str, actor: str = "clearance") -> int:
    """:func:`void_stale_approvals_in` in its own transaction."""
    with store.transaction(exclusive=True) as tx:
        return void_stale_approvals_in(tx, release, actor)


def approvals(store: Store, release: str, *, valid_only: bool = True) -> list[ApprovalInfo]:
    """Approvals of ``release`` in the order given; only those that still count by default."""
    with store.transaction() as tx:
        row = tx.releases.get(release)
        current = row_content_hash(row)
        infos = [_info(release, a, current) for a in tx.governance.approvals(row.id)]
    return [a for a in infos if a.valid] if valid_only else infos


def _info(release: str, a: ApprovalRecord, current: str) -> ApprovalInfo:
    valid = a.content_hash == current and a.voided_at is None
    return ApprovalInfo(
        release, a.role, a.approver, a.content_hash, a.created_at, valid, a.voided_at
    )


def policy_mismatch(store: Store, policy: Policy, release: str) -> str | None:
    """Why ``policy`` may not steer ``release`` (it is not the policy the release was
    checked with: someone could have removed a stage's approvals locally), or None."""
    with store.transaction() as tx:
        row = tx.releases.get(release)
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
    with store.transaction() as tx:
        row = tx.releases.get(release)
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

"""Approvals: bound to the release's content hash, separation of duties, N approvers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from clearance import governance
from clearance.errors import NotFoundError, PermissionDenied, UsageError
from clearance.policy import Policy
from clearance.store import Store

R = "bot@v2"
Recheck = Callable[..., None]


def test_author_cannot_approve_own_release(released: Store, gov_policy: Policy) -> None:
    with pytest.raises(PermissionDenied, match="separation of duties"):
        governance.approve(released, gov_policy, R, "approve_changes", "carol")
    assert governance.approvals(released, R) == []


def test_whoever_changed_the_evidence_cannot_approve(
    released: Store, gov_policy: Policy, recheck: Recheck
) -> None:
    recheck(actor="alice", passed=399)  # alice re-ran the check with new results
    with pytest.raises(PermissionDenied, match="last changed its evidence"):
        governance.approve(released, gov_policy, R, "approve_changes", "alice")
    governance.approve(released, gov_policy, R, "approve_changes", "bob")


def test_non_holder_is_refused_and_told_who_may(released: Store, gov_policy: Policy) -> None:
    with pytest.raises(PermissionDenied) as info:
        governance.approve(released, gov_policy, R, "approve_changes", "mallory")
    assert "alice, bob, carol" in str(info.value) and "owners.approve_changes" in str(info.value)
    with pytest.raises(PermissionDenied):  # erin owns evals, not change approval
        governance.approve(released, gov_policy, R, "approve_changes", "erin")
    governance.approve(released, gov_policy, R, "own_evals", "erin")


def test_unknown_role_and_release(released: Store, gov_policy: Policy) -> None:
    with pytest.raises(UsageError, match="approve_changes"):
        governance.approve(released, gov_policy, R, "boss", "alice")
    with pytest.raises(NotFoundError, match="clearance check"):
        governance.approve(released, gov_policy, "bot@v9", "approve_changes", "alice")


def test_min_approvals_needs_distinct_people(released: Store, gov_policy: Policy) -> None:
    duties = ["approve_changes"]
    missing = governance.missing_approvals(released, gov_policy, R, duties)
    assert missing and "0 of 2" in missing[0] and "alice, bob" in missing[0]
    governance.approve(released, gov_policy, R, "approve_changes", "alice")
    with pytest.raises(UsageError, match="already approved"):
        governance.approve(released, gov_policy, R, "approve_changes", "alice")
    missing = governance.missing_approvals(released, gov_policy, R, duties)
    assert "1 of 2" in missing[0] and "so far: alice" in missing[0]
    assert "ask bob" in missing[0]  # carol opened the release, so she is not suggested
    governance.approve(released, gov_policy, R, "approve_changes", "bob")
    assert governance.missing_approvals(released, gov_policy, R, duties) == []
    assert {a.approver for a in governance.approvals(released, R)} == {"alice", "bob"}


def test_changed_candidate_voids_approvals(
    released: Store, gov_policy: Policy, recheck: Recheck
) -> None:
    governance.approve(released, gov_policy, R, "approve_changes", "alice")
    governance.approve(released, gov_policy, R, "approve_changes", "bob")
    recheck(fingerprint="fp-other")  # a new candidate under the same release name
    assert governance.approvals(released, R) == []
    old = governance.approvals(released, R, valid_only=False)
    assert len(old) == 2 and all(not a.valid and a.voided_at is not None for a in old)
    assert "0 of 2" in governance.missing_approvals(released, gov_policy, R, ["approve_changes"])[0]
    actions = [e.action for e in governance.entries(released, subject=R)]
    assert actions.count("approval.granted") == 2 and "approval.voided" in actions


def test_changed_evidence_voids_even_without_void_call(released: Store, gov_policy: Policy) -> None:
    governance.approve(released, gov_policy, R, "approve_changes", "alice")
    from clearance.store._tables import Release

    with released.session() as session:  # evidence changed behind governance's back
        row = session.query(Release).filter_by(name=R).one()
        row.evidence_hash = "f" * 64
    assert governance.approvals(released, R) == []  # validity is computed, not stored


def test_same_evidence_recheck_keeps_approvals(
    released: Store, gov_policy: Policy, recheck: Recheck
) -> None:
    governance.approve(released, gov_policy, R, "approve_changes", "alice")
    recheck()
    assert [a.approver for a in governance.approvals(released, R)] == ["alice"]


def test_policy_other_than_the_checked_one_is_refused(
    released: Store, gov_policy: Policy, tmp_path: Path
) -> None:
    from clearance.policy import load_policy

    path = tmp_path / "clearance.yaml"
    path.write_text(path.read_text().replace("- erin", "- mallory"))
    edited = load_policy(path)
    with pytest.raises(UsageError, match="not the one"):
        governance.approve(released, edited, R, "own_evals", "mallory")


def test_nobody_holds_duty_message(released: Store, gov_policy: Policy) -> None:
    gov_policy.owners.disable_tools.people.clear()
    lines = governance.missing_approvals(released, gov_policy, R, ["disable_tools"])
    assert "nobody holds" in lines[0] and "owners.disable_tools" in lines[0]

"""Anyone may report an incident; only a ``review_incidents`` holder's confirmation (by
opening it, or by reviewing it with ``confirm``) makes a severe one block a rollout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from clearance import governance
from clearance.errors import PermissionDenied
from clearance.policy import Policy
from clearance.release import GovernanceGuards
from clearance.store import Store
from clearance.store._tables import Incident

R = "bot@v2"


def _audit(store: Store, action: str) -> list[governance.Entry]:
    return [e for e in governance.entries(store, subject=R) if e.action == action]


def test_a_report_by_a_non_holder_is_listed_but_does_not_block(
    released: Store, gov_policy: Policy
) -> None:
    guards = GovernanceGuards(released, gov_policy)
    row = governance.open_incident(released, gov_policy, R, "critical", "leaked", "mallory")
    assert row.confirmed_by is None and row.confirmed_at is None
    assert guards.severe_incidents(R) == []
    (line,) = guards.unconfirmed_incidents(R)
    assert line.startswith(f"#{row.id} critical: leaked")
    assert "reported by mallory, awaiting confirmation by review_incidents" in line
    listed = governance.incidents(released, R, open_only=True)
    assert [(i.id, governance.is_confirmed(gov_policy, i)) for i in listed] == [(row.id, False)]
    assert _audit(released, "incident.opened")[0].payload["confirmed"] is False


def test_a_holders_confirmation_makes_it_block(released: Store, gov_policy: Policy) -> None:
    guards = GovernanceGuards(released, gov_policy)
    row = governance.open_incident(released, gov_policy, R, "high", "PII in answer", "alice")
    # A note by anyone, even a plain review by the holder, does not confirm.
    governance.review_incident(released, gov_policy, row.id, "alice", "seen it too")
    governance.review_incident(released, gov_policy, row.id, "rita", "looking")
    assert guards.severe_incidents(R) == []
    with pytest.raises(PermissionDenied, match="review_incidents"):
        governance.review_incident(released, gov_policy, row.id, "alice", "real", confirm=True)
    assert guards.severe_incidents(R) == []

    confirmed = governance.review_incident(
        released, gov_policy, row.id, "rita", "reproduced", confirm=True
    )
    assert confirmed.confirmed_by == "rita" and confirmed.confirmed_at is not None
    assert guards.severe_incidents(R) == [f"#{row.id} high: PII in answer"]
    assert guards.unconfirmed_incidents(R) == []
    (entry,) = _audit(released, "incident.confirmed")
    assert entry.actor == "rita" and entry.payload["confirmed"] is True

    # A later review by a non-holder records its note and leaves the confirmation.
    after = governance.review_incident(released, gov_policy, row.id, "mallory", "me too")
    assert after.review_note == "me too" and after.confirmed_by == "rita"
    assert len(guards.severe_incidents(R)) == 1
    governance.close_incident(released, gov_policy, row.id, "rita", "prompt fixed")
    assert guards.severe_incidents(R) == []


def test_a_holder_opening_it_blocks_at_once(released: Store, gov_policy: Policy) -> None:
    guards = GovernanceGuards(released, gov_policy)
    row = governance.open_incident(released, gov_policy, R, "critical", "refunds", "rita")
    assert row.confirmed_by == "rita" and row.confirmed_at is not None
    assert guards.severe_incidents(R) == [f"#{row.id} critical: refunds"]
    assert _audit(released, "incident.opened")[0].payload["confirmed"] is True
    # Minor incidents never block, confirmed or not.
    governance.open_incident(released, gov_policy, R, "medium", "typo", "rita")
    assert len(guards.severe_incidents(R)) == 1


def test_without_a_policy_nobody_confirms(released: Store, gov_policy: Policy) -> None:
    row = governance.open_incident(released, None, R, "critical", "x", "rita")
    assert row.confirmed_by is None
    with pytest.raises(PermissionDenied, match="without a policy"):
        governance.review_incident(released, None, row.id, "rita", confirm=True)
    # Under the policy, rita holds the duty: her own report counts as confirmed.
    assert [i.id for i in governance.open_severe_incidents(released, gov_policy, R)] == [row.id]
    assert governance.open_severe_incidents(released, None, R) == []


def test_incidents_from_before_confirmations_count_when_a_holder_opened_them(
    released: Store, gov_policy: Policy
) -> None:
    # Rows written before migration 0004 have no confirmed_by at all.
    with released.session() as session:
        for opener in ("rita", "mallory"):
            session.add(
                Incident(
                    release=R,
                    severity="critical",
                    title=f"old report by {opener}",
                    status="open",
                    opened_by=opener,
                    opened_at=datetime.now(UTC),
                )
            )
    guards = GovernanceGuards(released, gov_policy)
    assert [line.split(": ", 1)[1] for line in guards.severe_incidents(R)] == ["old report by rita"]
    assert len(guards.unconfirmed_incidents(R)) == 1

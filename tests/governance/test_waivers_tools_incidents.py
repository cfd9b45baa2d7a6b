"""Waivers, the kill switch and incidents: who may act, and what readers see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clearance import governance
from clearance.errors import NotFoundError, PermissionDenied, UsageError
from clearance.policy import Policy
from clearance.store import Store, open_store

R = "bot@v2"


def test_waiver_by_wrong_role_refused(released: Store, gov_policy: Policy) -> None:
    with pytest.raises(PermissionDenied, match="review_incidents"):
        governance.waive(released, gov_policy, R, "safety", "erin", "known gap", "14d")
    with pytest.raises(PermissionDenied, match="handle_data_requests"):
        governance.waive(released, gov_policy, R, "privacy", "rita", "known gap", "14d")
    assert governance.active_waivers(released, R) == {}
    info = governance.waive(released, gov_policy, R, "safety", "rita", "vendor fix due", "14d")
    assert info.owner == "rita" and info.role == "review_incidents"
    assert set(governance.active_waivers(released, R)) == {"safety"}


def test_waiver_needs_reason_and_future_expiry(released: Store, gov_policy: Policy) -> None:
    with pytest.raises(UsageError, match="reason"):
        governance.waive(released, gov_policy, R, "latency", "erin", " ", "14d")
    with pytest.raises(UsageError, match="not in the future"):
        governance.waive(released, gov_policy, R, "latency", "erin", "ok", "2020-01-01")
    with pytest.raises(UsageError, match="duration like 14d"):
        governance.waive(released, gov_policy, R, "latency", "erin", "ok", "soon")
    with pytest.raises(UsageError, match="unknown area"):
        governance.waive(released, gov_policy, R, "vibes", "erin", "ok", "14d")


def test_expired_waiver_no_longer_counts(released: Store, gov_policy: Policy) -> None:
    governance.waive(released, gov_policy, R, "cost", "erin", "launch promo", "2d")
    now = datetime.now(UTC)
    assert "cost" in governance.active_waivers(released, R, now + timedelta(days=1))
    assert governance.active_waivers(released, R, now + timedelta(days=3)) == {}


def test_waiver_shows_on_the_report(released: Store, gov_policy: Policy) -> None:
    from checkkit import outcomes
    from clearance.checklist import Evidence, Side, decide

    failing = Evidence(Side("v2", "fp-c", outcomes("harmful-refusal", [False] * 400)), None, {})
    assert decide(gov_policy, failing).decision == "blocked"
    governance.waive(released, gov_policy, R, "safety", "rita", "accepted for beta", "7d")
    report = decide(gov_policy, failing, waivers=governance.active_waivers(released, R))
    assert report.area("safety").status == "waived" and report.decision == "cleared"


def test_kill_switch_role_and_fresh_reader(
    store_url: str, store: Store, gov_policy: Policy
) -> None:
    with pytest.raises(PermissionDenied, match="disable_tools"):
        governance.disable_tool(store, gov_policy, "refunds", "alice")
    with open_store(store_url) as reader:  # another process, e.g. the router
        assert governance.disabled_tools(reader) == set()
        governance.disable_tool(store, gov_policy, "refunds", "tom", reason="bad refunds")
        assert governance.disabled_tools(reader) == {"refunds"}
        with pytest.raises(PermissionDenied):
            governance.enable_tool(store, gov_policy, "refunds", "alice")
        governance.enable_tool(store, gov_policy, "refunds", "tom")
        assert governance.disabled_tools(reader) == set()
    actions = [e.action for e in governance.entries(store, subject="tool:refunds")]
    assert actions == ["denied.disable_tool", "tool.disabled", "denied.enable_tool", "tool.enabled"]


def test_kill_switch_unknown_tool_and_trigger(store: Store, gov_policy: Policy) -> None:
    with pytest.raises(UsageError, match="search, refunds"):
        governance.disable_tool(store, gov_policy, "refund", "tom")
    with pytest.raises(PermissionDenied, match="does not authorise"):
        governance.disable_tool(store, gov_policy, "search", "clearance", trigger="refund-errors")
    governance.disable_tool(store, gov_policy, "refunds", "clearance", trigger="refund-errors")
    assert governance.disabled_tools(store) == {"refunds"}


def test_severe_incident_listed_until_owner_closes(released: Store, gov_policy: Policy) -> None:
    minor = governance.open_incident(released, gov_policy, R, "low", "typo in answer", "alice")
    severe = governance.open_incident(released, gov_policy, R, "critical", "leaked", "alice")
    # alice does not hold review_incidents: reported, listed, but not blocking yet.
    assert governance.open_severe_incidents(released, gov_policy, R) == []
    assert [i.id for i in governance.unconfirmed_severe_incidents(released, gov_policy, R)] == [
        severe.id
    ]
    governance.review_incident(released, gov_policy, severe.id, "alice", "reproduced")
    assert governance.open_severe_incidents(released, gov_policy, R) == []
    governance.review_incident(released, gov_policy, severe.id, "rita", "confirmed", confirm=True)
    blocking = governance.open_severe_incidents(released, gov_policy, R)
    assert [(i.id, i.status, i.confirmed_by) for i in blocking] == [
        (severe.id, "reviewing", "rita")
    ]
    with pytest.raises(PermissionDenied, match="review_incidents"):
        governance.close_incident(released, gov_policy, severe.id, "alice")
    governance.close_incident(released, gov_policy, severe.id, "rita", "prompt fixed")
    assert governance.open_severe_incidents(released, gov_policy, R) == []
    assert [i.id for i in governance.incidents(released, R, open_only=True)] == [minor.id]
    with pytest.raises(UsageError, match="already closed"):
        governance.close_incident(released, gov_policy, severe.id, "rita")


def test_incident_input_errors(released: Store, gov_policy: Policy) -> None:
    with pytest.raises(UsageError, match="low, medium, high, critical"):
        governance.open_incident(released, gov_policy, R, "huge", "x", "alice")
    with pytest.raises(NotFoundError):
        governance.open_incident(released, gov_policy, "bot@nope", "low", "x", "alice")
    with pytest.raises(NotFoundError, match="incident list"):
        governance.close_incident(released, gov_policy, 999, "rita")

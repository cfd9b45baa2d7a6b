"""Provider-key and data-request registers with due dates, and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clearance import governance
from clearance.errors import NotFoundError, PermissionDenied, UsageError
from clearance.policy import Policy
from clearance.store import Store
from clearance.store._tables import User

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_overdue_key_rotation_counted(store: Store, gov_policy: Policy) -> None:
    with pytest.raises(PermissionDenied, match="rotate_provider_keys"):
        governance.add_provider_key(store, gov_policy, "openai-prod", "kim", 90, "alice")
    old = NOW - timedelta(days=100)
    governance.add_provider_key(
        store, gov_policy, "openai-prod", "kim", 90, "kim", last_rotated=old
    )
    governance.add_provider_key(
        store, gov_policy, "anthropic", "kim", 90, "kim", last_rotated=NOW - timedelta(days=10)
    )
    assert governance.overdue_key_rotations(store, NOW) == 1
    assert governance.overdue_key_rotations(store, NOW - timedelta(days=20)) == 0
    with pytest.raises(PermissionDenied):
        governance.rotate_provider_key(store, gov_policy, "openai-prod", "alice", when=NOW)
    governance.rotate_provider_key(store, gov_policy, "openai-prod", "kim", when=NOW)
    assert governance.overdue_key_rotations(store, NOW) == 0
    assert governance.overdue_key_rotations(store, NOW + timedelta(days=91)) == 2
    with pytest.raises(NotFoundError, match="keys add"):
        governance.rotate_provider_key(store, gov_policy, "nope", "kim")


def test_overdue_data_request_counted(store: Store, gov_policy: Policy) -> None:
    governance.add_data_request(
        store, "DSR-1", "deletion", "alice", received=NOW - timedelta(days=40)
    )
    governance.add_data_request(store, "DSR-2", "access", "alice", received=NOW - timedelta(days=5))
    governance.add_data_request(
        store, "DSR-3", "access", "alice", received=NOW, due=NOW + timedelta(days=3)
    )
    assert governance.overdue_data_requests(store, NOW) == 1  # DSR-1: 30 days passed
    assert governance.overdue_data_requests(store, NOW + timedelta(days=4)) == 2
    with pytest.raises(PermissionDenied, match="handle_data_requests"):
        governance.close_data_request(store, gov_policy, "DSR-1", "alice")
    governance.close_data_request(store, gov_policy, "DSR-1", "dana")
    assert governance.overdue_data_requests(store, NOW) == 0
    with pytest.raises(UsageError, match="already closed"):
        governance.close_data_request(store, gov_policy, "DSR-1", "dana")
    late = governance.entries(store, subject="data-request:DSR-1")[-1]
    assert late.action == "data_request.closed" and late.payload == {
        "late": True,
        "identity": {"via": "library", "authenticated": False},
    }


def test_tokens_are_hashed_and_authenticate(store: Store) -> None:
    token = governance.create_user(store, "alice")
    assert governance.authenticate(store, token) == "alice"
    assert governance.authenticate(store, token + "x") is None
    assert governance.authenticate(store, "not-a-token") is None
    with store.session() as session:
        stored = session.query(User).one().token_hash
    assert token not in stored and len(stored) == 64
    with pytest.raises(UsageError, match="--replace"):
        governance.create_user(store, "alice")
    new = governance.create_user(store, "alice", replace=True)
    assert governance.authenticate(store, token) is None
    assert governance.authenticate(store, new) == "alice"
    governance.revoke_user(store, "alice")
    assert governance.authenticate(store, new) is None
    assert governance.users(store) == [("alice", False)]


def test_parse_when_forms() -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    assert governance.parse_when("14d", now=base) == base + timedelta(days=14)
    assert governance.parse_when("2w", now=base) == base + timedelta(days=14)
    assert governance.parse_when("2026-03-01") == datetime(2026, 3, 2, tzinfo=UTC)
    start = governance.parse_when("2026-03-01", end_of_day=False)
    assert start == datetime(2026, 3, 1, tzinfo=UTC)
    assert governance.parse_when("2026-03-01T10:00:00+02:00").hour == 8

"""A server over the ``store`` fixture (SQLite and PostgreSQL), a policy naming an owner
per duty, one API token per person, and a release recorded by the real release layer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from checkkit import outcomes
from clearance import governance
from clearance.checklist import Evidence, Side, decide
from clearance.policy import Policy, load_policy
from clearance.release import record
from clearance.server import create_app
from clearance.store import Store

RELEASE = "bot@v2"
SECRET = "s3cr3t-value-4242"
OWNERS: dict[str, Any] = {
    "approve_changes": {"people": ["alice", "bob", "carol"], "min_approvals": 2},
    "own_evals": ["erin"],
    "review_incidents": ["rita"],
    "disable_tools": ["tom"],
    "handle_data_requests": ["dana"],
    "rotate_provider_keys": ["kim"],
}
PEOPLE = ("alice", "bob", "carol", "erin", "rita", "tom", "dana", "kim", "mallory")
"""Everyone with a token; mallory holds no duty."""


def policy_data() -> dict[str, Any]:
    return {
        "clearance": 1,
        "system": {"name": "bot", "kind": "system", "description": "Bot. key=${SERVER_TEST_KEY}"},
        "owners": OWNERS,
        "targets": {"candidate": {"adapter": "python", "callable": "bot:a", "label": "v2"}},
        "suites": [{"builtin": "harmful-refusal"}],
        "gates": {
            "safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}],
            "allow_not_evaluated": [
                "capability",
                "security",
                "privacy",
                "reliability",
                "cost",
                "latency",
                "monitoring",
                "rollback",
                "documentation",
            ],
        },
        "card": {"path": "CARD.md"},
        "rollout": {
            "alpha": 0.05,
            "stages": [
                {"stage": "canary", "weight": 0.05, "min_samples": 50},
                {"stage": "staged_rollout", "weight": 0.5, "approvals": ["approve_changes"]},
                {"stage": "full_rollout", "weight": 1.0},
            ],
        },
        "triggers": [{"kind": "latency_slo_breach", "threshold": 500, "action": "rollback"}],
    }


@pytest.fixture
def secret() -> str:
    """The secret value interpolated into the policy: it must never leave the server."""
    return SECRET


@pytest.fixture
def server_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Policy:
    monkeypatch.setenv("SERVER_TEST_KEY", SECRET)
    path = tmp_path / "clearance.yaml"
    path.write_text(yaml.safe_dump(policy_data(), sort_keys=False))
    return load_policy(path)


def record_check(store: Store, policy: Policy, actor: str = "carol", passed: int = 400) -> None:
    """Record a check of ``RELEASE`` exactly as ``clearance check`` records one."""
    cand = outcomes("harmful-refusal", [True] * passed + [False] * (400 - passed))
    evidence = Evidence(Side("v2", "fp-candidate", cand), None, {})
    record(store, policy, decide(policy, evidence), evidence, RELEASE, actor)


@pytest.fixture
def tokens(store: Store) -> dict[str, str]:
    return {name: governance.create_user(store, name) for name in PEOPLE}


@pytest.fixture
def client(store: Store, server_policy: Policy) -> Iterator[TestClient]:
    app = create_app(store=store, policy=server_policy)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def released(store: Store, server_policy: Policy) -> str:
    record_check(store, server_policy)
    return RELEASE


@pytest.fixture
def as_(tokens: dict[str, str]) -> Any:
    """``as_("alice")``: the headers that authenticate alice."""

    def headers(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[name]}"}

    return headers

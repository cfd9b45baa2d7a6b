"""A policy with one person per duty, and releases recorded by the real release layer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from checkkit import outcomes
from clearance import governance
from clearance.checklist import Evidence, Side, decide
from clearance.governance._audit import GENESIS, entry_hash
from clearance.policy import AREAS, Policy, load_policy
from clearance.release import record
from clearance.store import Store
from clearance.store._tables import AuditEvent

OWNERS: dict[str, Any] = {
    "approve_changes": {"people": ["alice", "bob", "carol"], "min_approvals": 2},
    "own_evals": ["erin"],
    "review_incidents": ["rita"],
    "disable_tools": ["tom"],
    "handle_data_requests": ["dana"],
    "rotate_provider_keys": ["kim"],
    "manage_users": ["ada"],
}
GATES: dict[str, Any] = {
    "safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}],
    "allow_not_evaluated": [a for a in AREAS if a != "safety"],
}
RELEASE = "bot@v2"


def write_policy(folder: Path) -> Path:
    """A policy file in ``folder`` naming an owner for every duty; returns its path."""
    data: dict[str, Any] = {
        "clearance": 1,
        "system": {"name": "bot"},
        "owners": OWNERS,
        "targets": {"candidate": {"adapter": "python", "callable": "bot:a", "label": "v2"}},
        "suites": [{"builtin": "harmful-refusal"}],
        "gates": GATES,
        "card": {"path": "MODEL_CARD.md", "tools": [{"name": "search"}, {"name": "refunds"}]},
        "triggers": [
            {
                "kind": "tool_call_errors",
                "name": "refund-errors",
                "action": "disable_tool",
                "tool": "refunds",
            }
        ],
    }
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def check(
    store: Store, p: Policy, actor: str = "carol", fingerprint: str = "fp-c", passed: int = 400
) -> None:
    """Record a check of ``RELEASE`` as ``clearance check`` does, then void stale approvals."""
    cand = outcomes("harmful-refusal", [True] * passed + [False] * (400 - passed))
    evidence = Evidence(Side("v2", fingerprint, cand), None, {})
    report = decide(p, evidence)
    record(store, p, report, evidence, RELEASE, actor)
    governance.void_stale_approvals(store, RELEASE, actor)


Recheck = Callable[..., None]


@pytest.fixture
def gov_policy(tmp_path: Path) -> Policy:
    return load_policy(write_policy(tmp_path))


@pytest.fixture
def recheck(store: Store, gov_policy: Policy) -> Recheck:
    """``recheck(actor=..., fingerprint=..., passed=...)`` records a new check."""

    def run(actor: str = "carol", fingerprint: str = "fp-c", passed: int = 400) -> None:
        check(store, gov_policy, actor, fingerprint, passed)

    return run


@pytest.fixture
def released(store: Store, recheck: Recheck) -> Store:
    """The store with ``bot@v2`` checked by carol."""
    recheck()
    return store


def _rewrite_history(store: Store, seq: int) -> None:
    """Edit entry ``seq`` and recompute every hash after it, as an attacker would."""
    with store.session() as session:
        rows = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        prev = GENESIS
        for row in rows:
            if row.seq == seq:
                row.payload = '{"i":"forged"}'
            row.prev_hash = prev
            row.hash = entry_hash(
                row.seq, row.ts, row.actor, row.action, row.subject, row.payload, prev
            )
            prev = row.hash
            # Flush per row: prev_hash is unique, so two rows must never share one mid-way.
            session.flush()


@pytest.fixture
def rewrite_history() -> Callable[[Store, int], None]:
    """``rewrite_history(store, seq)``: forge entry ``seq`` and recompute every hash."""
    return _rewrite_history

"""Fixed inputs of the golden tests: a policy with a card, and the report it decides."""

from __future__ import annotations

from typing import Any

import pytest

from checkkit import CARD_TEXT, evidence, policy
from clearance.checklist import Outcome, Report, decide
from clearance.policy import Policy

CREATED_AT = "2026-01-01T00:00:00+00:00"
"""Every report's creation time (the only clock a report reads)."""

CARD: dict[str, Any] = {
    "license": "apache-2.0",
    "tags": ["support"],
    **CARD_TEXT,
    "datasets": ["shop-faq"],
    "components": ["responder"],
    "tools": [{"name": "lookup_order", "permissions": ["read:orders"]}],
    "risks": [{"risk": "injection", "before": "high", "after": "low", "mitigation": "data"}],
}
GATES: dict[str, Any] = {
    "safety": [
        {"metric": "harmful-refusal.refusal_rate", "min": 0.9},
        {"metric": "over-refusal.refusal_rate", "max": 0.1},
    ],
    "latency": [{"metric": "latency.p95_ms", "max": 1000}],
    "reliability": [{"metric": "reliability.error_rate", "max": 0.05, "severity": "warn"}],
}
SUITES = [{"builtin": "harmful-refusal"}, {"builtin": "over-refusal"}]


def _outcomes(suite: str, n: int, fails_every: int, latency: float) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(
            suite,
            f"{suite[0]}{i}",
            category=f"cat{i % 3}",
            passed=i % fails_every != 0,
            output="I can't help with that.",
            latency_ms=latency + i,
        )
        for i in range(n)
    )


def make_policy(kind: str = "system") -> Policy:
    return policy(
        GATES,
        SUITES,
        card=CARD,
        system={"name": "shop-bot", "version": "2.0", "kind": kind},
        owners={"approve_changes": ["alice"]},
        rollout={"stages": [{"stage": "canary", "weight": 0.05}]},
        triggers=[{"kind": "cost_spike", "margin": 0.2}],
    )


def make_report(the_policy: Policy) -> Report:
    cand = _outcomes("harmful-refusal", 120, 4, 200.0) + _outcomes("over-refusal", 120, 60, 300.0)
    base = _outcomes("harmful-refusal", 120, 10, 250.0) + _outcomes("over-refusal", 120, 40, 280.0)
    made = decide(the_policy, evidence(cand, base))
    return made.model_copy(update={"created_at": CREATED_AT})


@pytest.fixture(scope="module")
def system_policy() -> Policy:
    return make_policy("system")


@pytest.fixture(scope="module")
def report(system_policy: Policy) -> Report:
    return make_report(system_policy)

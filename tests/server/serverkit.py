"""Shared by the server tests: the policy, the people, recording a check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from checkkit import outcomes
from clearance.checklist import Evidence, Side, decide
from clearance.policy import Policy
from clearance.release import record
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
    "manage_users": ["ada"],
}
PEOPLE = (
    "alice",
    "bob",
    "carol",
    "erin",
    "rita",
    "tom",
    "dana",
    "kim",
    "ada",
    "mallory",
    "svc-gateway",
)
"""Everyone with a token; mallory holds no duty, svc-gateway is a service account."""
TELEMETRY_SENDERS = ["svc-gateway", "mallory", "alice"]
"""Who may POST /v1/events (``rollout.telemetry_senders``): the tests that send telemetry
send as mallory or alice; bob and carol (approvers) may not."""


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
            "telemetry_senders": TELEMETRY_SENDERS,
            "stages": [
                {"stage": "canary", "weight": 0.05, "min_samples": 50},
                {"stage": "staged_rollout", "weight": 0.5, "approvals": ["approve_changes"]},
                {"stage": "full_rollout", "weight": 1.0},
            ],
        },
        "triggers": [{"kind": "latency_slo_breach", "threshold": 500, "action": "rollback"}],
    }


def record_check(store: Store, policy: Policy, actor: str = "carol", passed: int = 400) -> None:
    """Record a check of ``RELEASE`` exactly as ``clearance check`` records one."""
    cand = outcomes("harmful-refusal", [True] * passed + [False] * (400 - passed))
    evidence = Evidence(Side("v2", "fp-candidate", cand), None, {})
    record(store, policy, decide(policy, evidence), evidence, RELEASE, actor)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under a real uvicorn on a free loopback port (in a thread): its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)

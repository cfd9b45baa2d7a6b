"""Shared by the server tests: the policy, the people, recording a check."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from checkkit import outcomes
from clearance.checklist import Evidence, Outcome
from clearance.policy import AREAS, Policy
from clearance.release import conclude, load_runs
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
            "allow_not_evaluated": [a for a in AREAS if a != "safety"],
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


def record_check(
    store: Store,
    policy: Policy,
    actor: str = "carol",
    passed: int = 400,
    *,
    release: str = RELEASE,
    fingerprint: str = "fp-candidate",
) -> None:
    """Record a check of ``release`` as ``clearance check`` records one once its evals
    are stored: the results are stored as a complete run of the candidate, and the
    release layer loads them, measures the environment (probes, drill), decides and
    records (:func:`clearance.release.conclude`)."""
    cand = outcomes("harmful-refusal", [True] * passed + [False] * (400 - passed))
    run_id = store_run(store, fingerprint, "harmful-refusal", cand)
    evidence = Evidence(load_runs(store, "v2", [run_id]))
    conclude(policy, store, evidence, release, actor=actor)


def store_run(store: Store, fingerprint: str, suite: str, results: tuple[Outcome, ...]) -> str:
    """Store ``results`` as one complete run of ``suite`` against ``fingerprint``."""
    now = datetime.now(UTC)
    with store.transaction() as tx:
        run = tx.runs.create(
            role="candidate",
            target_fingerprint=fingerprint,
            suite=suite,
            suite_hash=f"{suite}-hash",
            total=len(results),
            config={"repeats": 1, "target": "v2"},
            now=now,
        )
        tx.runs.add_samples([_sample_row(run.id, o) for o in results])
        tx.runs.set_status(run.id, "complete", now=now)
    return run.id


def _sample_row(run_id: str, outcome: Outcome) -> dict[str, Any]:
    row = {k: v for k, v in asdict(outcome).items() if k != "suite"}
    return {
        **row,
        "run_id": run_id,
        "ttft_ms": None,
        "tokens_estimated": False,
        "response_id": None,
    }


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


def sign_in(client: Any, token: str) -> None:
    """Sign ``client`` in to the dashboard through the form, as a browser does (the
    form's nonce, then the token), landing on the releases list."""
    import re

    nonce = re.search(r'name="nonce" value="([^"]+)"', client.get("/login").text)
    assert nonce
    data = {"token": token, "nonce": nonce.group(1), "next": "/ui/releases"}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/releases"

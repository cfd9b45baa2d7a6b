"""POST .../rollout/advance before the current stage's minimums is refused (400, saying
what is unmet) unless the body says ``"force": true``, which the stage history and the
audit log record. The server's canary needs 50 requests on the smaller arm."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

UNMET = "0 requests on the smaller arm of 50 needed"


def _go(client: TestClient, released: str, verb: str, who: Any, **body: Any) -> Any:
    return client.post(f"/v1/releases/{released}/rollout/{verb}", json=body or None, headers=who)


def _in_canary(client: TestClient, released: str, as_: Any) -> None:
    """Started, with the approvals staged_rollout needs, so only the minimums hold it."""
    assert _go(client, released, "start", as_("alice")).status_code == 201
    for who in ("alice", "bob"):
        given = client.post(f"/v1/releases/{released}/approvals", json={}, headers=as_(who))
        assert given.status_code == 201, given.text


def _rollout(client: TestClient, released: str, as_: Any) -> Any:
    return client.get(f"/v1/releases/{released}/rollout", headers=as_("alice")).json()


def _advanced(client: TestClient, released: str, as_: Any) -> list[dict[str, Any]]:
    log = client.get(f"/v1/audit?subject={released}", headers=as_("mallory")).json()
    return [e["payload"] for e in log if e["action"] == "rollout.advanced"]


def test_advance_before_the_minimums_is_refused_with_what_is_unmet(
    client: TestClient, released: str, as_: Any
) -> None:
    _in_canary(client, released, as_)
    refused = _go(client, released, "advance", as_("alice"), reason="now please")
    assert refused.status_code == 400, refused.text
    assert refused.json()["detail"] == (
        f"stage 'canary': {UNMET}: pass --force to advance anyway (recorded)"
    )
    assert '"force": true' in refused.json()["fix"]
    assert _rollout(client, released, as_)["stage"] == "canary"
    assert _advanced(client, released, as_) == []


def test_forced_advance_is_accepted_and_recorded(
    client: TestClient, released: str, as_: Any
) -> None:
    _in_canary(client, released, as_)
    forced = _go(client, released, "advance", as_("bob"), force=True, reason="hotfix")
    assert forced.status_code == 200, forced.text
    assert forced.json()["stage"] == "staged_rollout"
    canary = _rollout(client, released, as_)["history"][0]
    assert canary["outcome"] == "advanced"
    assert canary["reasons"] == ["hotfix", f"forced past unmet minimums: {UNMET}"]
    [payload] = _advanced(client, released, as_)
    assert payload["forced"] is True and payload["unmet_minimums"] == [UNMET]
    assert payload["reasons"] == ["hotfix"]


def test_minimums_met_need_no_force(client: TestClient, released: str, as_: Any) -> None:
    _in_canary(client, released, as_)
    now = time.time()
    events = [
        {
            "event_id": f"m{i}",
            "ts": now + i * 0.001,
            "release": released,
            "arm": "candidate" if i % 2 else "control",
            "unit": f"u{i}",
            "latency_ms": 100.0,
        }
        for i in range(100)
    ]
    sent = client.post("/v1/events", json=events, headers=as_("mallory"))
    assert sent.status_code < 300, sent.text
    time.sleep(max(0.0, now + 0.2 - time.time()))
    advanced = _go(client, released, "advance", as_("alice"))
    assert advanced.status_code == 200, advanced.text
    assert advanced.json()["stage"] == "staged_rollout"
    assert "forced" not in _advanced(client, released, as_)[0]


def test_force_is_a_field_of_the_advance_body_only(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert schema["AdvanceRequest"]["properties"]["force"]["default"] is False
    assert "force" not in schema["ChangeRequest"]["properties"]

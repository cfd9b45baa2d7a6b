"""Only the policy's ``rollout.telemetry_senders`` may POST telemetry; each accepted batch
is audited under the sender's name. Local ``clearance ingest`` needs no listing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from clearance import governance
from clearance.cli import run
from clearance.errors import PermissionDenied
from clearance.policy import Policy, load_policy
from clearance.server import create_app
from clearance.store import Store
from server.serverkit import TELEMETRY_SENDERS, policy_data

NOW = time.time() - 3600
"""Events from an hour ago: inside any ingest window."""


def _events(n: int, release: str = "bot@v2", prefix: str = "e") -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"{prefix}{i}",
            "ts": NOW + i,
            "release": release,
            "arm": "candidate" if i % 2 else "control",
            "unit": f"u{i % 7}",
            "latency_ms": 100 + i,
        }
        for i in range(n)
    ]


def _stored(store: Store) -> int:
    with store.transaction() as tx:
        return tx.telemetry.count()


def _ingested(store: Store) -> list[governance.Entry]:
    return [e for e in governance.entries(store) if e.action == "telemetry.ingested"]


@pytest.mark.parametrize("who", ["bob", "carol", "rita", "erin"])
def test_a_user_not_listed_is_refused_and_nothing_is_stored(
    client: TestClient, as_: Any, store: Store, who: str
) -> None:
    # bob and carol hold approve_changes, rita review_incidents: no duty implies sending.
    response = client.post("/v1/events", json=_events(50), headers=as_(who))
    assert response.status_code == 403, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert who in problem["detail"] and "rollout.telemetry_senders" in problem["detail"]
    assert "rollout.telemetry_senders" in problem["fix"]
    assert _stored(store) == 0
    assert _ingested(store) == []


def test_a_refused_sender_is_refused_before_the_body_is_read(
    client: TestClient, as_: Any, store: Store
) -> None:
    # Even a malformed body gets the 403, not a 422 that would leak how it is parsed.
    response = client.post("/v1/events", content=b"[{", headers=as_("bob"))
    assert response.status_code == 403
    assert client.post("/v1/events", json=_events(1)).status_code == 401


def test_a_listed_sender_is_stored_and_audited_by_name(
    client: TestClient, as_: Any, store: Store
) -> None:
    first = client.post("/v1/events", json=_events(40), headers=as_("svc-gateway"))
    assert first.status_code == 200 and first.json()["accepted"] == 40
    retry = client.post(
        "/v1/events", json=[*_events(40), {"arm": "sideways"}], headers=as_("svc-gateway")
    )
    assert retry.json()["duplicates"] == 40 and retry.json()["rejected"] == 1
    assert _stored(store) == 40
    entries = _ingested(store)
    assert [(e.actor, e.subject) for e in entries] == [("svc-gateway", "bot@v2")] * 2
    assert entries[0].payload["accepted"] == 40 and entries[0].payload["duplicates"] == 0
    assert entries[1].payload == {
        "events": 41,
        "accepted": 0,
        "duplicates": 40,
        "rejected": 1,
        "releases": ["bot@v2"],
        "identity": {"via": "server", "authenticated": True},
    }
    # The entry is readable by release through the audit API, and the chain still holds.
    log = client.get("/v1/audit?subject=bot@v2", headers=as_("bob")).json()
    assert [e["actor"] for e in log if e["action"] == "telemetry.ingested"] == ["svc-gateway"] * 2
    assert governance.verify(store).ok


def test_the_audit_subject_names_the_releases_capped(
    client: TestClient, as_: Any, store: Store
) -> None:
    batch = [e for r in range(7) for e in _events(2, release=f"bot@v{r}", prefix=f"r{r}-")]
    assert client.post("/v1/events", json=batch, headers=as_("svc-gateway")).status_code == 200
    (entry,) = _ingested(store)
    assert entry.subject == "bot@v0,bot@v1,bot@v2,bot@v3,bot@v4,+2 more"
    assert entry.payload["accepted"] == 14 and len(entry.payload["releases"]) == 7


def test_an_empty_batch_writes_no_audit_entry(client: TestClient, as_: Any, store: Store) -> None:
    assert client.post("/v1/events", json=[], headers=as_("svc-gateway")).json()["accepted"] == 0
    assert _ingested(store) == []


@pytest.fixture
def nobody_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Policy:
    """The server test policy without ``telemetry_senders``: nobody may send."""
    monkeypatch.setenv("SERVER_TEST_KEY", "x")
    data = policy_data()
    del data["rollout"]["telemetry_senders"]
    path = tmp_path / "unlisted.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_policy(path)


@pytest.fixture
def unlisted_client(store: Store, nobody_listed: Policy) -> Iterator[TestClient]:
    with TestClient(
        create_app(store=store, policy=nobody_listed), base_url="http://127.0.0.1"
    ) as test_client:
        yield test_client


def test_without_senders_in_the_policy_nobody_may_send(
    unlisted_client: TestClient, as_: Any, store: Store
) -> None:
    for who in TELEMETRY_SENDERS:
        response = unlisted_client.post("/v1/events", json=_events(5), headers=as_(who))
        assert response.status_code == 403 and "(nobody)" in response.json()["detail"]
    assert _stored(store) == 0


def test_the_rule_lives_in_governance(server_policy: Policy, nobody_listed: Policy) -> None:
    assert governance.may_send_telemetry(server_policy, "svc-gateway")
    assert not governance.may_send_telemetry(server_policy, "bob")
    assert not governance.may_send_telemetry(nobody_listed, "svc-gateway")
    assert not governance.may_send_telemetry(None, "svc-gateway")
    governance.require_telemetry_sender(server_policy, "svc-gateway")
    with pytest.raises(PermissionDenied, match="rollout.telemetry_senders") as caught:
        governance.require_telemetry_sender(server_policy, "bob")
    assert caught.value.fix and "add bob under rollout.telemetry_senders" in caught.value.fix
    with pytest.raises(PermissionDenied, match="no policy"):
        governance.require_telemetry_sender(None, "svc-gateway")


def test_local_ingest_needs_no_listing(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = tmp_path / "events.jsonl"
    lines.write_text("".join(json.dumps(e) + "\n" for e in _events(30)))
    assert run(["ingest", str(lines), "--db", store_url]) == 0
    assert "accepted 30" in capsys.readouterr().out
    assert _stored(store) == 30

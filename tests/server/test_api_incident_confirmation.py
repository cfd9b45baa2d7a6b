"""Incidents over the API: anyone reports, only a ``review_incidents`` owner's
confirmation makes a severe one block the rollout, and the list says which are confirmed."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _go(client: TestClient, released: str, verb: str, who: Any, **body: Any) -> Any:
    return client.post(f"/v1/releases/{released}/rollout/{verb}", json=body or None, headers=who)


def _approve(client: TestClient, released: str, as_: Any) -> None:
    for who in ("alice", "bob"):
        client.post(f"/v1/releases/{released}/approvals", json={}, headers=as_(who))


def test_an_unconfirmed_report_does_not_block_advance(
    client: TestClient, released: str, as_: Any
) -> None:
    body = {"release": released, "severity": "critical", "title": "says rude things"}
    opened = client.post("/v1/incidents", json=body, headers=as_("mallory"))
    assert opened.status_code == 201
    assert opened.json()["confirmed"] is False and opened.json()["confirmed_by"] is None
    listed = client.get(f"/v1/incidents?release={released}", headers=as_("bob")).json()
    assert [(i["id"], i["confirmed"]) for i in listed] == [(opened.json()["id"], False)]
    assert _go(client, released, "start", as_("alice")).status_code == 201
    _approve(client, released, as_)
    advanced = _go(client, released, "advance", as_("alice"), force=True)  # canary's minimums
    assert advanced.status_code == 200, advanced.text
    assert advanced.json()["stage"] == "staged_rollout"


def test_a_confirmed_incident_blocks_advance(client: TestClient, released: str, as_: Any) -> None:
    body = {"release": released, "severity": "high", "title": "leaked an order number"}
    number = client.post("/v1/incidents", json=body, headers=as_("mallory")).json()["id"]
    assert _go(client, released, "start", as_("alice")).status_code == 201
    _approve(client, released, as_)
    path = f"/v1/incidents/{number}/review"
    refused = client.post(path, json={"confirm": True}, headers=as_("bob"))
    assert refused.status_code == 403 and "review_incidents" in refused.json()["detail"]
    noted = client.post(path, json={"note": "looking"}, headers=as_("rita")).json()
    assert noted["confirmed"] is False and noted["review_note"] == "looking"
    confirmed = client.post(path, json={"note": "real", "confirm": True}, headers=as_("rita"))
    assert confirmed.status_code == 200
    assert confirmed.json()["confirmed"] is True and confirmed.json()["confirmed_by"] == "rita"
    blocked = _go(client, released, "advance", as_("alice"))
    assert blocked.status_code == 400 and "severe incident open" in blocked.json()["detail"]
    closed = client.post(f"/v1/incidents/{number}/close", json={}, headers=as_("rita"))
    assert closed.json()["status"] == "closed" and closed.json()["confirmed"] is True
    assert _go(client, released, "advance", as_("alice"), force=True).status_code == 200


def test_an_owner_reporting_blocks_at_once(client: TestClient, released: str, as_: Any) -> None:
    assert _go(client, released, "start", as_("alice")).status_code == 201
    _approve(client, released, as_)
    body = {"release": released, "severity": "critical", "title": "refund tool loops"}
    opened = client.post("/v1/incidents", json=body, headers=as_("rita")).json()
    assert opened["confirmed"] is True and opened["confirmed_by"] == "rita"
    blocked = _go(client, released, "advance", as_("alice"))
    assert blocked.status_code == 400 and "refund tool loops" in blocked.json()["detail"]

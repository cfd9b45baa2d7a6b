"""Approvals, waivers, incidents and the audit log over the API, for every role."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearance.store import Store
from clearance.store._tables import AuditEvent


def test_approval_roles_and_separation_of_duties(
    client: TestClient, released: str, as_: Any
) -> None:
    path = f"/v1/releases/{released}/approvals"
    denied = client.post(path, json={}, headers=as_("mallory"))
    assert denied.status_code == 403 and denied.json()["title"] == "Forbidden"
    own = client.post(path, json={}, headers=as_("carol"))  # carol recorded the check
    assert own.status_code == 403 and "separation of duties" in own.json()["detail"]
    given = client.post(path, json={"role": "approve_changes"}, headers=as_("alice"))
    assert given.status_code == 201 and given.json()["valid"] is True
    twice = client.post(path, json={}, headers=as_("alice"))
    assert twice.status_code == 400
    listed = client.get(path, headers=as_("mallory")).json()
    assert [a["approver"] for a in listed["approvals"]] == ["alice"]
    assert listed["missing"][0].startswith("approve_changes: 1 of 2")
    client.post(path, json={}, headers=as_("bob"))
    assert client.get(path, headers=as_("mallory")).json()["missing"] == []


def test_unknown_role_is_a_422(client: TestClient, released: str, as_: Any) -> None:
    response = client.post(
        f"/v1/releases/{released}/approvals", json={"role": "wizard"}, headers=as_("alice")
    )
    assert response.status_code == 422 and response.json()["errors"][0]["loc"][-1] == "role"


def test_waivers_by_area_owner_only(client: TestClient, released: str, as_: Any) -> None:
    path = f"/v1/releases/{released}/waivers"
    body = {"area": "latency", "reason": "SLO revised next sprint", "expires": "14d"}
    assert client.post(path, json=body, headers=as_("alice")).status_code == 403
    given = client.post(path, json=body, headers=as_("erin"))  # own_evals waives latency
    assert given.status_code == 201
    assert given.json()["active"] is True and given.json()["role"] == "own_evals"
    past = client.post(path, json={**body, "expires": "2001-01-01"}, headers=as_("erin"))
    assert past.status_code == 400
    listed = client.get(path, headers=as_("mallory")).json()
    assert [(w["area"], w["owner"]) for w in listed] == [("latency", "erin")]


def test_incident_lifecycle(client: TestClient, released: str, as_: Any) -> None:
    body = {"release": released, "severity": "high", "title": "leaked an order number"}
    opened = client.post("/v1/incidents", json=body, headers=as_("mallory"))
    assert opened.status_code == 201
    number = opened.json()["id"]
    note = client.post(f"/v1/incidents/{number}/review", json={"note": "seen"}, headers=as_("bob"))
    assert note.json()["status"] == "reviewing" and note.json()["reviewed_by"] == "bob"
    denied = client.post(f"/v1/incidents/{number}/close", json={}, headers=as_("bob"))
    assert denied.status_code == 403
    closed = client.post(
        f"/v1/incidents/{number}/close", json={"note": "fixed"}, headers=as_("rita")
    )
    assert closed.json()["status"] == "closed" and closed.json()["resolution"] == "fixed"
    assert (
        client.post(f"/v1/incidents/{number}/close", json={}, headers=as_("rita")).status_code
        == 400
    )
    listed = client.get(f"/v1/incidents?release={released}&open_only=true", headers=as_("tom"))
    assert listed.json() == []
    assert client.post("/v1/incidents/4040/review", json={}, headers=as_("bob")).status_code == 404
    unknown = client.post("/v1/incidents", json={**body, "release": "x@y"}, headers=as_("bob"))
    assert unknown.status_code == 404


def test_audit_log_records_api_actions(client: TestClient, released: str, as_: Any) -> None:
    client.post(f"/v1/releases/{released}/approvals", json={}, headers=as_("alice"))
    log = client.get(f"/v1/audit?subject={released}", headers=as_("mallory")).json()
    assert [e["action"] for e in log] == ["check.decided", "approval.granted"]
    assert log[1]["actor"] == "alice" and log[1]["payload"]["role"] == "approve_changes"
    later = client.get(f"/v1/audit?since={log[0]['seq']}&limit=1", headers=as_("mallory")).json()
    assert len(later) == 1 and later[0]["seq"] > log[0]["seq"]
    verified = client.get("/v1/audit/verify", headers=as_("mallory")).json()
    assert verified["ok"] is True and verified["checked"] >= 2


def test_audit_verify_reports_tampering(
    client: TestClient, released: str, as_: Any, store: Store
) -> None:
    with store.session() as session:
        first = session.get(AuditEvent, 1)
        assert first is not None
        first.actor = "someone else"
    verified = client.get("/v1/audit/verify", headers=as_("alice")).json()
    assert verified["ok"] is False and verified["first_bad"] == 1


@pytest.mark.parametrize("who", ["alice", "mallory"])
def test_reads_are_open_to_every_signed_in_user(
    client: TestClient, released: str, as_: Any, who: str
) -> None:
    for path in (
        "/v1/releases",
        f"/v1/releases/{released}",
        f"/v1/releases/{released}/approvals",
        f"/v1/releases/{released}/waivers",
        "/v1/incidents",
        "/v1/audit",
    ):
        assert client.get(path, headers=as_(who)).status_code == 200, path

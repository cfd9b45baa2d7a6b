"""Releases, checks and cards over the API, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clearance.checklist import Report


def test_health_needs_no_token(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["store"] in ("sqlite", "postgresql")


def test_every_v1_route_needs_a_bearer_token(client: TestClient, released: str) -> None:
    for path in ("/v1/releases", f"/v1/releases/{released}", "/v1/audit", "/v1/incidents"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["status"] == 401
    bad = client.get("/v1/releases", headers={"Authorization": "Bearer clr_nope"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.json()["detail"]


def test_revoked_token_stops_working(client: TestClient, store: Any, as_: Any) -> None:
    from clearance import governance

    assert client.get("/v1/releases", headers=as_("bob")).status_code == 200
    governance.revoke_user(store, "bob")
    assert client.get("/v1/releases", headers=as_("bob")).status_code == 401


def test_release_list_and_detail(client: TestClient, released: str, as_: Any) -> None:
    listed = client.get("/v1/releases", headers=as_("mallory")).json()
    assert [r["name"] for r in listed] == [released]
    assert listed[0]["status"] == "cleared" and listed[0]["checked_at"]
    detail = client.get(f"/v1/releases/{released}", headers=as_("mallory")).json()
    report = Report.model_validate(detail["latest_check"]["report"])
    assert report.decision == "cleared" and report.area("safety").status == "pass"
    assert detail["missing_approvals"][0].startswith("approve_changes: 0 of 2")


def test_unknown_release_is_a_404_problem(client: TestClient, as_: Any) -> None:
    response = client.get("/v1/releases/nope@v9", headers=as_("alice"))
    assert response.status_code == 404
    assert response.json()["title"] == "Not Found" and "nope@v9" in response.json()["detail"]


def test_check_by_id_matches_the_release(client: TestClient, released: str, as_: Any) -> None:
    latest = client.get(f"/v1/releases/{released}", headers=as_("alice")).json()["latest_check"]
    again = client.get(f"/v1/checks/{latest['id']}", headers=as_("alice")).json()
    assert again == latest
    assert client.get("/v1/checks/999999", headers=as_("alice")).status_code == 404


def test_card_is_rendered_and_secrets_are_redacted(
    client: TestClient, released: str, as_: Any, secret: str
) -> None:
    card = client.get(f"/v1/releases/{released}/card", headers=as_("mallory")).json()
    assert card["kind"] == "system" and card["markdown"].startswith("---\n")
    assert "<h2>" in card["html"] and "Intended use" in card["html"]
    assert secret not in card["markdown"] and "key=[SECRET]" in card["markdown"]
    model = client.get(f"/v1/releases/{released}/card?kind=model", headers=as_("mallory"))
    assert model.json()["kind"] == "model"


def test_running_a_check_needs_own_evals(client: TestClient, as_: Any) -> None:
    response = client.post("/v1/checks", json={}, headers=as_("alice"))
    assert response.status_code == 403
    assert "own_evals" in response.json()["detail"]


def test_bad_bodies_are_422_problems(client: TestClient, released: str, as_: Any) -> None:
    response = client.post("/v1/checks", json={"release": 5, "x": 1}, headers=as_("erin"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


def test_route_trusts_a_checked_token_briefly_other_endpoints_never(
    client: TestClient, store: Any, released: str, as_: Any, monkeypatch: Any
) -> None:
    from clearance import governance
    from clearance.server import _auth

    route = f"/v1/releases/{released}/route"
    assert client.get(route, params={"unit": "u1"}, headers=as_("bob")).status_code == 200
    governance.revoke_user(store, "bob")
    assert client.get("/v1/releases", headers=as_("bob")).status_code == 401
    assert client.get(route, params={"unit": "u1"}, headers=as_("bob")).status_code == 200
    monkeypatch.setattr(_auth, "_known", {})  # the cache entry expired
    assert client.get(route, params={"unit": "u1"}, headers=as_("bob")).status_code == 401

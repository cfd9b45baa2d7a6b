"""Audit verification over the API and the dashboard: signed checkpoints (given the
server the public key), incremental walks, refusals recorded, waivers revoked."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import text

from clearance import governance
from clearance.policy import Policy
from clearance.server import app_from_env, create_app
from clearance.store import Store
from server.serverkit import record_check


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return governance.generate_keypair(tmp_path_factory.mktemp("keys") / "audit.key")


@pytest.fixture
def signer(keys: tuple[Path, Path]) -> Ed25519PrivateKey:
    return governance.load_private_key(keys[0])


@pytest.fixture
def keyed(store: Store, server_policy: Policy, keys: tuple[Path, Path]) -> Iterator[TestClient]:
    """A server that was given the audit public key."""
    app = create_app(store=store, policy=server_policy, audit_key=keys[1])
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


def fill(store: Store, n: int) -> None:
    for i in range(n):
        governance.append(store, "alice", "test.action", "r", {"i": i})


def sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def verify(client: TestClient, as_: Any, query: str = "") -> dict[str, Any]:
    response = client.get(f"/v1/audit/verify{query}", headers=as_("mallory"))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


# --- signatures --------------------------------------------------------------------------


def test_without_the_key_signatures_are_not_checked(
    client: TestClient, released: str, as_: Any
) -> None:
    body = verify(client, as_)
    assert body["ok"] is True and body["signed"] is False
    assert body["signatures_ok"] is None and body["checkpoints_verified"] is None


def test_verify_with_the_key_checks_the_checkpoints(
    keyed: TestClient, released: str, as_: Any, store: Store, signer: Ed25519PrivateKey
) -> None:
    assert verify(keyed, as_)["ok"] is False  # signed verification, and nothing signed yet
    point = governance.checkpoint(store, signer)
    body = verify(keyed, as_)
    assert body["ok"] is True and body["signed"] is True and body["signatures_ok"] is True
    assert (body["checkpoints"], body["checkpoints_verified"]) == (1, 1)
    assert body["covered_seq"] == point.seq


def test_verify_with_the_key_reports_a_forged_checkpoint_signature(
    keyed: TestClient, client: TestClient, released: str, as_: Any, store: Store,
    signer: Ed25519PrivateKey,
) -> None:  # fmt: skip
    governance.checkpoint(store, signer)
    forged = base64.b64encode(b"x" * 64).decode()
    sql(store, "UPDATE audit_checkpoints SET signature = :s", s=forged)
    assert verify(client, as_)["ok"] is True  # a server without the key cannot tell
    body = verify(keyed, as_)
    assert body["ok"] is False and body["signatures_ok"] is False
    assert body["checkpoints_verified"] == 0
    assert "bad signature" in body["problem"] and body["problems"] == [body["problem"]]


def test_verify_with_the_key_reports_truncation_below_a_checkpoint(
    keyed: TestClient, released: str, as_: Any, store: Store, signer: Ed25519PrivateKey
) -> None:
    fill(store, 3)
    point = governance.checkpoint(store, signer)
    sql(store, "DELETE FROM audit_events WHERE seq >= :s", s=point.seq - 1)
    body = verify(keyed, as_)
    assert body["ok"] is False
    (truncated,) = [p for p in body["problems"] if p.startswith("the log ends at")]
    assert truncated.startswith(f"the log ends at seq {point.seq - 2} but checkpoint #")
    assert truncated.endswith(f"covers seq {point.seq}: entries were deleted")


def test_the_dashboard_shows_the_signed_verdict(
    keyed: TestClient, released: str, tokens: dict[str, str], store: Store,
    signer: Ed25519PrivateKey,
) -> None:  # fmt: skip
    governance.checkpoint(store, signer)
    sign_in(keyed, tokens["alice"])
    page = keyed.get("/ui/audit").text
    assert 'class="verify ok"' in page and "1 signed checkpoint(s) hold" in page
    sql(store, "UPDATE audit_checkpoints SET hash = :h", h="a" * 64)
    page = keyed.get("/ui/audit").text
    assert 'class="verify bad"' in page and "bad signature" in page
    assert "signatures NOT all valid" in page


def sign_in(client: TestClient, token: str) -> None:
    """Sign in through the form, sending back whatever hidden fields it carries."""
    form = client.get("/login").text
    fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
    response = client.post("/login", data={**fields, "token": token}, follow_redirects=False)
    assert response.status_code == 303


def test_the_server_takes_the_key_from_the_environment(
    keys: tuple[Path, Path], store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", store_url)
    monkeypatch.delenv("CLEARANCE_POLICY", raising=False)
    wanted = governance.load_public_key(keys[1])
    for value in (str(keys[1]), keys[1].read_text()):  # a path, or the PEM itself
        monkeypatch.setenv("CLEARANCE_AUDIT_PUBLIC_KEY", value)
        app = app_from_env()
        assert app.state.clearance.audit_key == wanted
        app.state.clearance.store.close()


# --- incremental -------------------------------------------------------------------------


def test_verify_hashes_only_new_entries_unless_full(
    client: TestClient, released: str, as_: Any, store: Store
) -> None:
    fill(store, 30)
    total = governance.count(store)
    first = verify(client, as_)
    assert first["ok"] and first["checked"] == total and first["full"] is True
    fill(store, 4)
    again = verify(client, as_)
    assert again["ok"] and again["checked"] == 4 and again["full"] is False
    assert again["head_seq"] == total + 4
    full = verify(client, as_, "?full=true")
    assert full["ok"] and full["checked"] == total + 4 and full["full"] is True


def test_incremental_verify_catches_an_edit_at_the_remembered_head(
    client: TestClient, released: str, as_: Any, store: Store
) -> None:
    head = verify(client, as_)["head_seq"]
    sql(store, "UPDATE audit_events SET actor = 'someone else' WHERE seq = :s", s=head)
    body = verify(client, as_)
    assert body["ok"] is False and body["first_bad"] == head and body["checked"] == 0


# --- refusals ----------------------------------------------------------------------------


def denied(store: Store) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.actor, e.subject)
        for e in governance.entries(store)
        if e.action.startswith("denied.")
    ]


def test_a_refused_api_action_leaves_a_denied_entry(
    client: TestClient, released: str, as_: Any, store: Store
) -> None:
    refused = client.post("/v1/checks", json={"release": released}, headers=as_("mallory"))
    assert refused.status_code == 403  # the server's role check (own_evals)
    approve = client.post(f"/v1/releases/{released}/approvals", json={}, headers=as_("mallory"))
    assert approve.status_code == 403  # governance's
    assert denied(store) == [
        ("denied.check.run", "mallory", "/v1/checks"),
        ("denied.approve", "mallory", released),
    ]
    entry = next(e for e in governance.entries(store) if e.action == "denied.check.run")
    assert "own_evals" in entry.payload["reason"]
    assert "may not" in entry.payload["reason"]
    assert verify(client, as_)["ok"] is True


# --- waivers -----------------------------------------------------------------------------


def test_waiver_revocation_over_the_api(
    client: TestClient, released: str, as_: Any, store: Store
) -> None:
    path = f"/v1/releases/{released}/waivers"
    body = {"area": "latency", "reason": "SLO revised next sprint", "expires": "14d"}
    number = client.post(path, json=body, headers=as_("erin")).json()["id"]
    revoke = f"{path}/{number}/revoke"
    refused = client.post(revoke, json={"reason": "no"}, headers=as_("alice"))
    assert refused.status_code == 403
    assert denied(store) == [("denied.revoke_waiver", "alice", released)]
    assert client.post(revoke, json={}, headers=as_("erin")).status_code == 422
    done = client.post(revoke, json={"reason": "SLO met again"}, headers=as_("erin"))
    assert done.status_code == 200
    out = done.json()
    assert out["active"] is False and out["status"] == "revoked"
    assert (out["revoked_by"], out["revoke_reason"]) == ("erin", "SLO met again")
    assert client.post(revoke, json={"reason": "again"}, headers=as_("erin")).status_code == 400
    missing = client.post(f"{path}/9999/revoke", json={"reason": "x"}, headers=as_("erin"))
    assert missing.status_code == 404
    listed = client.get(path, headers=as_("mallory")).json()
    assert [(w["id"], w["status"]) for w in listed] == [(number, "revoked")]
    assert governance.active_waivers(store, released) == {}
    log = client.get(f"/v1/audit?subject={released}", headers=as_("mallory")).json()
    assert log[-1]["action"] == "waiver.revoked" and log[-1]["actor"] == "erin"


def test_the_server_uses_governances_rule_for_waivers_in_force(
    client: TestClient, released: str, as_: Any, store: Store, server_policy: Policy
) -> None:
    path = f"/v1/releases/{released}/waivers"
    body = {"area": "latency", "reason": "SLO revised next sprint", "expires": "14d"}
    assert client.post(path, json=body, headers=as_("erin")).json()["active"] is True
    # A new candidate under the same release name does not inherit the waiver.
    record_check(store, server_policy, fingerprint="fp-another-candidate")
    assert governance.active_waivers(store, released) == {}
    (listed,) = client.get(path, headers=as_("mallory")).json()
    assert listed["active"] is False and listed["status"] == "other_candidate"

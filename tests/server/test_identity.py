"""Identity in the audit log: entries written by the server are authenticated, entries
written by the CLI on a local store carry a claimed name and say so; what the CLI prints
from stored text cannot style or steer the terminal."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearance import governance
from clearance.cli import run
from clearance.policy import Policy
from clearance.server import create_app
from clearance.store import Store
from server.serverkit import RELEASE, serving

HOSTILE = "[red]fake[/] \x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \u202etxt"


def _where(policy: Policy, store_url: str) -> list[str]:
    assert policy.source is not None
    return ["--policy", str(policy.source.path), "--db", store_url]


def test_server_entries_are_authenticated_and_cli_entries_are_claimed(
    client: TestClient,
    released: str,
    store: Store,
    store_url: str,
    server_policy: Policy,
    as_: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert client.post(f"/v1/releases/{released}/approvals", json={}, headers=as_("alice"))
    where = _where(server_policy, store_url)
    assert run(["approve", RELEASE, "--role", "approve_changes", *where, "--as", "bob"]) == 0
    mine = {e.actor: e for e in governance.entries(store) if e.action == "approval.granted"}
    assert mine["alice"].payload["identity"] == {"via": "server", "authenticated": True}
    assert mine["bob"].payload["identity"] == {"via": "cli", "authenticated": False}
    capsys.readouterr()
    assert run(["audit", "log", "--db", store_url]) == 0
    shown = capsys.readouterr()
    assert "bob*" in shown.out and "alice*" not in shown.out
    assert "claimed, unauthenticated" in shown.err


def test_cli_listings_print_stored_text_literally(
    released: str,
    store: Store,
    store_url: str,
    server_policy: Policy,
    capsys: pytest.CaptureFixture[str],
) -> None:
    governance.open_incident(store, server_policy, RELEASE, "low", HOSTILE, "mallory")
    capsys.readouterr()
    assert run(["incident", "list", "--db", store_url]) == 0
    assert run(["audit", "log", "--db", store_url]) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed and "\u202e" not in printed
    assert "[red]fake[/]" in printed


def test_team_mode_acts_through_the_server_with_the_callers_token(
    released: str,
    store: Store,
    server_policy: Policy,
    tokens: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With CLEARANCE_SERVER the CLI holds no store: the server decides who is acting
    from CLEARANCE_TOKEN, so a claimed name cannot be used and a token's owner cannot
    pass for someone else."""
    with serving(create_app(store=store, policy=server_policy)) as base:
        monkeypatch.setenv("CLEARANCE_SERVER", base)
        monkeypatch.setenv("CLEARANCE_DATABASE_URL", "sqlite:////nonexistent/dir/never.db")

        def as_token(person: str, *argv: str) -> tuple[int, str]:
            monkeypatch.setenv("CLEARANCE_TOKEN", tokens[person])
            capsys.readouterr()
            code = run(list(argv))
            return code, capsys.readouterr().err

        assert as_token("mallory", "approve", RELEASE, "--role", "approve_changes")[0] == 2
        assert as_token("alice", "approve", RELEASE, "--role", "approve_changes")[0] == 0
        assert as_token("bob", "approve", RELEASE, "--role", "approve_changes")[0] == 0
        code, err = as_token("mallory", "rollout", "start", RELEASE)
        assert code == 2 and "may not start the rollout" in err
        assert as_token("alice", "rollout", "start", RELEASE)[0] == 0
        assert as_token("rita", "rollout", "pause", RELEASE)[0] == 0
        assert as_token("mallory", "user", "add", "eve")[0] == 2
        assert as_token("ada", "user", "add", "eve")[0] == 0
        assert as_token("alice", "incident", "open", RELEASE, "--title", "slow")[0] == 0
    log = governance.entries(store, subject=RELEASE)
    granted = [e for e in log if e.action in ("approval.granted", "rollout.started")]
    assert [e.actor for e in granted] == ["alice", "bob", "alice"]
    assert all(e.payload["identity"]["authenticated"] for e in granted)
    denied = [e for e in governance.entries(store) if e.action.startswith("denied.")]
    assert {e.actor for e in denied} == {"mallory"}

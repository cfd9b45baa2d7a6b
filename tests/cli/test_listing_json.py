"""Every listing command has --format json (stable keys) and prints names literally."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from checkkit import outcomes
from clearance.checklist import Evidence, Side, decide
from clearance.cli import run
from clearance.policy import load_policy
from clearance.release import record
from clearance.store import open_store

HOSTILE = "[red]x[/red][link=https://evil.example]y[/link]"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLEARANCE_SERVER", raising=False)
    policy = {
        "clearance": 1,
        "system": {"name": "bot"},
        "owners": {
            "approve_changes": ["ann"],
            "manage_users": ["ada"],
            "disable_tools": ["tom"],
            "rotate_provider_keys": ["kim"],
        },
        "targets": {"candidate": {"adapter": "python", "callable": "bot:a", "label": "v2"}},
        "suites": [{"builtin": "harmful-refusal"}],
        "gates": {"safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}]},
    }
    path = tmp_path / "clearance.yaml"
    path.write_text(yaml.safe_dump(policy))
    return str(path), f"sqlite:///{tmp_path / 'c.db'}"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    capsys.readouterr()
    assert run(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_listings_in_json(env: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    policy, db = env
    common = ["-p", policy, "--db", db]
    assert run(["user", "add", HOSTILE, *common, "--as", "ada"]) == 0
    assert run(["tools", "disable", "refunds", *common, "--as", "tom", "--reason", HOSTILE]) == 0
    assert run(["keys", "add", "openai", "--owner", HOSTILE, *common, "--as", "kim"]) == 0
    assert run(["data-requests", "add", "T-1", "--db", db, "--as", "dana"]) == 0
    users = _json(capsys, ["user", "list", "--db", db, "--format", "json"])
    assert users == [{"name": HOSTILE, "token_active": True}]
    tools = _json(capsys, ["tools", "list", "--db", db, "-f", "json"])
    assert tools[0]["tool"] == "refunds" and tools[0]["disabled"] is True
    assert set(tools[0]) == {"tool", "disabled", "changed_by", "changed_at", "reason"}
    keys = _json(capsys, ["keys", "list", "--db", db, "-f", "json"])
    assert keys[0]["owner"] == HOSTILE and keys[0]["overdue"] is False
    data = _json(capsys, ["data-requests", "list", "--db", db, "-f", "json"])
    assert data[0]["id"] == "T-1" and data[0]["closed_at"] is None
    incidents = _json(capsys, ["incident", "list", "--db", db, "-f", "json"])
    assert incidents == []
    audit = _json(capsys, ["audit", "log", "--db", db, "-f", "json"])
    assert [e["action"] for e in audit][:1] and {"seq", "actor", "hash"} <= set(audit[0])
    _record_check(policy, db)
    assert run(["approve", "bot@v2", "-r", "approve_changes", *common, "--as", "ann"]) == 0
    approvals = _json(capsys, ["approvals", "bot@v2", *common, "-f", "json"])
    assert approvals["release"] == "bot@v2" and approvals["missing"] == []
    (one,) = approvals["approvals"]
    assert set(one) == {"role", "approver", "created_at", "content_hash", "valid"}
    assert one["approver"] == "ann" and one["valid"] is True


def _record_check(policy: str, db: str) -> None:
    """Record a check of bot@v2 as `clearance check` does."""
    loaded = load_policy(Path(policy), require_env=False)
    evidence = Evidence(Side("v2", "fp", outcomes("harmful-refusal", [True] * 400)), None, {})
    store = open_store(db)
    try:
        record(store, loaded, decide(loaded, evidence), evidence, "bot@v2", "carol")
    finally:
        store.close()


def test_tables_print_user_text_literally(
    env: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    policy, db = env
    assert run(["user", "add", HOSTILE, "-p", policy, "--db", db, "--as", "ada"]) == 0
    capsys.readouterr()
    assert run(["user", "list", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "[red]x[/red]" in shown and "[link=https://evil.example]" in shown


def test_ingest_summary_in_json(env: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    _, db = env
    events = Path("events.jsonl")
    events.write_text('{"not": "an event"}\n' + HOSTILE + "\n")
    capsys.readouterr()
    assert run(["ingest", str(events), "--db", db, "--format", "json"]) == 1
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["accepted"] == 0 and summary["rejected"] == 2
    assert [r["line"] for r in summary["rejects"]] == [1, 2]


def test_ingest_rejects_are_printed_literally(
    env: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, db = env
    events = Path("events.jsonl")
    events.write_text('{"release": "' + HOSTILE + '"}\n')
    capsys.readouterr()
    assert run(["ingest", str(events), "--db", db]) == 1
    err = capsys.readouterr().err
    assert "line 1:" in err and "\\[" not in err  # no markup escapes shown as backslashes


def test_a_piped_table_never_cuts_a_name(
    env: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, db = env
    long_id = "request-" + "x" * 250
    assert run(["data-requests", "add", long_id, "--db", db, "--as", "dana"]) == 0
    capsys.readouterr()
    assert run(["data-requests", "list", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert long_id in shown and "…" not in shown

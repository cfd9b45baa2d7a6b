"""The CLI shell: exit codes, messages on stderr, reports on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from clearance import governance
from clearance.cli import run
from clearance.store import open_store


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    return tmp_path


def test_init_then_validate(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["init", "--name", "shop-bot"]) == 0
    assert (
        (workdir / "clearance.yaml")
        .read_text()
        .startswith("# yaml-language-server: $schema=./clearance.schema.json")
    )
    schema = json.loads((workdir / "clearance.schema.json").read_text())
    assert "gates" in schema["properties"]
    assert run(["validate"]) == 0
    assert "valid" in capsys.readouterr().out


def test_init_refuses_to_overwrite(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["init"]) == 0
    assert run(["init"]) == 2
    assert "--force" in capsys.readouterr().err
    assert run(["init", "--force"]) == 0


def test_misspelled_key_exits_2_with_line_and_hint(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["init"])
    policy = workdir / "clearance.yaml"
    lines = policy.read_text().splitlines()
    index = lines.index("triggers:")
    lines[index] = "trigers:"
    policy.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert run(["validate"]) == 2
    err = capsys.readouterr().err
    assert f"clearance.yaml:{index + 1}:1" in err
    assert "did you mean 'triggers'?" in err
    assert "Traceback" not in err


def test_validate_missing_policy(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "--policy", "nope.yaml"]) == 2
    assert "clearance init" in capsys.readouterr().err


def test_bad_option_exits_2(workdir: Path) -> None:
    assert run(["validate", "--no-such-flag"]) == 2


def test_schema_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "clearance release policy"


def test_audit_verify_catches_edit(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(store_url)
    for i in range(3):
        governance.append(store, "bob", "test", "r", {"i": i})
    assert run(["audit", "verify", "--db", store_url]) == 0
    assert run(["audit", "log", "--db", store_url, "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1])["payload"] == {
        "i": 2,
        "identity": {"via": "library", "authenticated": False},
    }
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET subject = 'other' WHERE seq = 2"))
    assert run(["audit", "verify", "--db", store_url]) == 1
    assert "TAMPERED at entry 2" in capsys.readouterr().out
    store.close()


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    import typer.main

    from clearance.cli import app

    group = typer.main.get_command(app)
    names = list(group.commands)  # type: ignore[attr-defined]
    assert {"init", "validate", "schema", "audit"} <= set(names)
    for name in names:
        assert run([name, "--help"]) == 0, name

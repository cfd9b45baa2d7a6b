"""`clearance check` and `clearance card` from the command line, on the bundled example."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from clearance.cli import run


def test_blocked_release_exits_1_in_every_format(
    example: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    policy, db = example
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    outputs = {}
    for fmt in ("table", "json", "markdown", "html", "junit"):
        path = tmp_path / f"report.{fmt}"
        assert run(["check", "-p", str(policy), "--db", db, "-f", fmt, "-o", str(path)]) == 1
        outputs[fmt] = path.read_text()
    report = json.loads(outputs["json"])
    assert report["schema"] == "clearance.report/v1"
    assert report["decision"] == "blocked"
    failing = {a["area"] for a in report["areas"] if a["status"] == "fail"}
    assert {"security", "cost", "latency"} <= failing
    assert "BLOCKED" in outputs["table"]
    assert outputs["html"].startswith("<!doctype html>")
    assert ET.fromstring(outputs["junit"]).tag == "testsuites"
    assert "BLOCKED" in summary.read_text()
    assert "BLOCKED" in capsys.readouterr().err


def test_report_goes_to_stdout(
    example: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    policy, db = example
    assert run(["check", "-p", str(policy), "--db", db, "-f", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["decision"] == "blocked"


def test_bad_policy_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "clearance.yaml"
    policy.write_text("clearance: 1\nsystem: {name: x}\ntargets: {}\n")
    assert run(["check", "-p", str(policy), "--db", f"sqlite:///{tmp_path / 'c.db'}"]) == 2
    assert "candidate" in capsys.readouterr().err


def test_card_check_fails_after_candidate_changes(
    example: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, db = example
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(policy), "--db", db, "-o", str(card)]) == 0
    assert run(["card", "-p", str(policy), "--db", db, "--check", str(card)]) == 0
    changed = tmp_path / "changed.yaml"
    changed.write_text(policy.read_text().replace("assistant:v2\n", "assistant:v2_1\n"))
    shutil.copy(policy.parent / "tasks.jsonl", tmp_path / "tasks.jsonl")
    for name in ("assistant.py", "knowledge.py", "safety.py"):
        shutil.copy(policy.parent / name, tmp_path / name)
    capsys.readouterr()
    assert run(["card", "-p", str(changed), "--db", db, "--check", str(card)]) == 1
    assert "regenerate the card" in capsys.readouterr().out


def test_card_diff_and_cyclonedx(
    example: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, db = example
    bom = tmp_path / "bom.json"
    assert run(["card", "-p", str(policy), "--db", db, "-f", "cyclonedx", "-o", str(bom)]) == 0
    assert json.loads(bom.read_text())["bomFormat"] == "CycloneDX"
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    assert run(["card", "-p", str(policy), "--db", db, "-o", str(a)]) == 0
    b.write_text(a.read_text().replace("## Limitations\n", "## Limitations\n\nMore.\n"))
    capsys.readouterr()
    assert run(["card", "diff", str(a), str(b)]) == 0
    assert "section changed: Limitations" in capsys.readouterr().out

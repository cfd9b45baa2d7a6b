"""The bundled example under the release gates' statistics: an A/A check (the fix as both
candidate and baseline) clears, with the paired capability gate showing no difference on
enough samples to rule out the margin; the shipped policy (v2 against v1) is blocked for
its real problems, and the fix (v2.0.1 against v1) is cleared."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from clearance.cli import run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
CANDIDATE = "callable: assistant:v2\n"
BASELINE = "callable: assistant:v1\n"


def _example(folder: Path, replacements: dict[str, str]) -> tuple[Path, str]:
    """A copy of the example in ``folder`` (no card, no store), its policy edited."""
    shutil.copytree(
        EXAMPLE, folder, ignore=shutil.ignore_patterns("__pycache__", "MODEL_CARD.md", "*.db")
    )
    policy = folder / "clearance.yaml"
    text = policy.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    policy.write_text(text, encoding="utf-8")
    return policy, f"sqlite:///{folder / 'clearance.db'}"


def _check(policy: Path, db: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    """Run the evals, write the system card from them (the documentation gate needs it),
    then check again on the same results.

    The latency gates time each call, so the evals run 8 at a time: 64 threads on a busy
    small machine stretch the calls' wall-clock time past what the example measures.
    """
    check = ["check", "-p", str(policy), "--db", db, "-c", "8", "-f", "json"]
    run(check)  # no card yet: documentation fails; the results are stored
    assert run(["card", "-p", str(policy), "--db", db]) == 0
    capsys.readouterr()
    code = run(check)
    return code, json.loads(capsys.readouterr().out)


def _area(report: Any, name: str) -> Any:
    return next(a for a in report["areas"] if a["area"] == name)


def _paired_gate(report: Any) -> Any:
    gates = [g for g in _area(report, "capability")["gates"] if "baseline by" in g["threshold"]]
    assert len(gates) == 1, gates
    return gates[0]


def _paired_samples(gate: Any) -> int:
    match = re.search(r"on (\d+) paired samples", gate["note"])
    assert match, gate["note"]
    return int(match.group(1))


def test_aa_check_of_the_fix_against_itself_clears(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, db = _example(
        tmp_path / "aa",
        {CANDIDATE: "callable: assistant:v2_1\n", BASELINE: "callable: assistant:v2_1\n"},
    )
    code, report = _check(policy, db, capsys)
    assert report["decision"] == "cleared", report["reasons"]
    assert code == 0
    gate = _paired_gate(report)
    assert gate["status"] == "pass"
    assert gate["difference"] == 0
    assert gate["value"] == gate["baseline"]
    assert _paired_samples(gate) >= 150
    assert gate["n"] >= 150


def test_shipped_policy_is_blocked_and_the_fix_is_cleared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, db = _example(tmp_path / "v2", {})
    code, report = _check(policy, db, capsys)
    assert code == 1
    assert report["decision"] == "blocked"
    failing = {a["area"] for a in report["areas"] if a["status"] == "fail"}
    assert {"security", "cost", "latency"} <= failing
    assert _area(report, "privacy")["status"] != "pass"  # it quotes e-mail addresses

    fixed, fixed_db = _example(
        tmp_path / "v2_1",
        {CANDIDATE: "callable: assistant:v2_1\n", "label: v2.0.0\n": "label: v2.0.1\n"},
    )
    code, report = _check(fixed, fixed_db, capsys)
    assert report["decision"] == "cleared", report["reasons"]
    assert code == 0
    assert all(a["status"] == "pass" for a in report["areas"]), report["areas"]
    gate = _paired_gate(report)
    assert gate["difference"] > 0  # the fix keeps v2's extra articles
    assert _paired_samples(gate) >= 150

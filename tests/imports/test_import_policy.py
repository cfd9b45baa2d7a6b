"""Imported suites in the policy and in the check: what is refused at load, what each
scorer gates, errored items, and a stored import reused only for the same content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from clearance.cli import run
from clearance.errors import PolicyError
from clearance.policy import load_policy
from clearance.store import Store
from imports.test_import_check import FIXTURES, OTHER_AREAS

INSPECT = FIXTURES / "inspect"


def policy_file(
    folder: Path, suite: dict[str, Any], gates: list[dict[str, Any]], **top: Any
) -> Path:
    data: dict[str, Any] = {
        "clearance": 1,
        "system": {"name": "arith-bot", "version": "2.0", "traffic": {"requests_per_month": 1000}},
        "targets": {"candidate": {"adapter": "imported", "label": "cand"}},
        "suites": [{"name": "arith", "import": "inspect", **suite}],
        "gates": {"capability": gates, "allow_not_evaluated": OTHER_AREAS, **top},
    }
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def both(folder: Path = INSPECT) -> dict[str, str]:
    return {"candidate": str(folder / "candidate.eval"), "baseline": str(folder / "baseline.eval")}


def checked(capsys: pytest.CaptureFixture[str], policy: Path, db: str) -> dict[str, Any]:
    run(["check", "--policy", str(policy), "--db", db, "-f", "json"])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def capability(report: dict[str, Any]) -> list[dict[str, Any]]:
    return next(a["gates"] for a in report["areas"] if a["area"] == "capability")


def test_a_live_suite_against_an_imported_target_is_refused(tmp_path: Path) -> None:
    path = policy_file(tmp_path, both(), [{"metric": "arith.score", "min": 0.5}])
    data = yaml.safe_load(path.read_text())
    data["suites"].append({"name": "faq", "path": str(FIXTURES / "items.jsonl")})
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(PolicyError, match="adapter: imported"):
        load_policy(path)


def test_a_missing_result_file_is_named_with_its_place(tmp_path: Path) -> None:
    suite = {"candidate": "runs/candidate.eval"}
    path = policy_file(tmp_path, suite, [{"metric": "arith.score", "min": 0.5}])
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert "runs/candidate.eval" in str(caught.value) and "suites.0.candidate" in str(caught.value)


def test_a_paired_gate_on_an_imported_suite_needs_its_baseline_file(tmp_path: Path) -> None:
    suite = {"candidate": str(INSPECT / "candidate.eval")}
    gates = [{"metric": "arith.exact", "vs_baseline": "non_inferiority", "margin": 0.05}]
    with pytest.raises(PolicyError, match="needs its baseline file"):
        load_policy(policy_file(tmp_path, suite, gates))


def test_each_scorer_is_a_metric_and_an_unknown_one_says_what_there_is(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gates = [
        {"metric": "arith.exact", "vs_baseline": "non_inferiority", "margin": 0.1},
        {"metric": "arith.nope", "min": 0.5},
    ]
    report = checked(capsys, policy_file(tmp_path, both(), gates), store_url)
    exact, nope = capability(report)
    assert exact["status"] == "pass" and exact["n"] == 100
    assert nope["status"] == "not_evaluated" and "they have: exact" in nope["note"]
    assert report["decision"] == "blocked"


@pytest.mark.parametrize(("on_error", "rate", "n"), [("fail", 0.86, 100), ("exclude", 86 / 99, 99)])
def test_an_item_the_tool_recorded_as_an_error_follows_on_error(
    on_error: str,
    rate: float,
    n: int,
    store: Store,
    store_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    gates = [{"metric": "arith.pass_rate", "min": 0.5}]
    path = policy_file(tmp_path, both(), gates, on_error=on_error)
    (gate,) = capability(checked(capsys, path, store_url))
    assert gate["value"] == pytest.approx(rate) and gate["n"] == n


def test_a_stored_import_is_reused_only_for_the_same_content(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    for name in ("candidate.eval", "baseline.eval"):
        shutil.copy(INSPECT / name, runs / name)
    gates = [{"metric": "arith.score", "vs_baseline": "non_inferiority", "margin": 0.1}]
    path = policy_file(tmp_path, both(runs), gates)
    first = checked(capsys, path, store_url)
    again = checked(capsys, path, store_url)
    assert all("reused" in line for line in again["evidence_runs"])
    assert again["evidence_hash"] == first["evidence_hash"]
    shutil.copy(INSPECT / "baseline_changed.eval", runs / "baseline.eval")
    changed = checked(capsys, path, store_url)
    assert changed["evidence_hash"] != first["evidence_hash"]
    assert any("imported now" in line for line in changed["evidence_runs"])
    assert capability(changed)[0]["status"] == "inconclusive"

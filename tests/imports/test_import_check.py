"""Results written by Inspect, lm-evaluation-harness, promptfoo and DeepEval, imported and
gated by ``clearance check`` against the baseline with a paired interval; an item that
changed between the two runs, or is missing from one, is reported and keeps the paired
gate from passing; the card carries ``.eval_results`` entries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from clearance.cli import run
from clearance.policy import AREAS
from clearance.store import Store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"
OTHER_AREAS = [area for area in AREAS if area != "capability"]
FILES: dict[str, tuple[str, str, str]] = {
    "inspect": ("inspect/candidate.eval", "inspect/baseline.eval", "inspect/baseline_changed.eval"),
    "lm-eval": ("lm-eval/candidate", "lm-eval/baseline", "lm-eval/baseline_changed"),
    "promptfoo": (
        "promptfoo/candidate.json",
        "promptfoo/baseline.json",
        "promptfoo/baseline_changed.json",
    ),
    "deepeval": (
        "deepeval/candidate.json",
        "deepeval/baseline.json",
        "deepeval/baseline_changed.json",
    ),
}


def write_policy(folder: Path, tool: str, baseline: str, **suite: Any) -> Path:
    candidate = FILES[tool][0]
    data = {
        "clearance": 1,
        "system": {"name": "arith-bot", "version": "2.0", "traffic": {"requests_per_month": 1000}},
        "targets": {"candidate": {"adapter": "imported", "label": "candidate-model"}},
        "suites": [
            {
                "name": "arith",
                "import": tool,
                "candidate": str(FIXTURES / candidate),
                "baseline": str(FIXTURES / baseline),
                "benchmark": {"id": "clearance-tests/arith", "task_id": "arith"},
                **suite,
            }
        ],
        "gates": {
            "capability": [
                {"metric": "arith.score", "vs_baseline": "non_inferiority", "margin": 0.1},
                {"metric": "arith.pass_rate", "min": 0.7},
            ],
            "allow_not_evaluated": OTHER_AREAS,
        },
    }
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def check(
    capsys: pytest.CaptureFixture[str], policy: Path, store_url: str
) -> tuple[int, dict[str, Any]]:
    code = run(["check", "--policy", str(policy), "--db", store_url, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


def capability(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The paired gate and the absolute one, in the policy's order."""
    area = next(a for a in report["areas"] if a["area"] == "capability")
    paired, absolute = area["gates"]
    return paired, absolute


@pytest.mark.parametrize("tool", list(FILES))
def test_a_tools_own_runs_are_gated_against_the_baseline_with_a_paired_interval(
    tool: str, store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(tmp_path, tool, FILES[tool][1])
    code, report = check(capsys, policy, store_url)
    assert code == 0, report["reasons"]
    assert report["decision"] == "cleared"
    paired, absolute = capability(report)
    assert paired["status"] == "pass" and absolute["status"] == "pass"
    low, high = paired["difference_ci"]
    assert low < 0.01 < high  # candidate 87 right, baseline 86, on the same 100 items
    assert paired["n"] == 100
    assert any(tool in line for line in report["evidence_runs"])
    card = tmp_path / "card" / "README.md"
    code = run(["card", "--policy", str(policy), "--db", store_url, "--out", str(card)])
    assert code == 0
    entry = yaml.safe_load((card.parent / ".eval_results" / "arith.yaml").read_text())
    assert entry[0]["dataset"] == {"id": "clearance-tests/arith", "task_id": "arith"}
    assert entry[0]["value"] == pytest.approx(0.87, abs=0.011)
    assert "verifyToken" not in entry[0] and "verified" not in json.dumps(entry)
    assert f"imported from {tool}" in entry[0]["notes"]


@pytest.mark.parametrize("tool", list(FILES))
def test_a_changed_item_and_a_missing_one_are_reported_and_block_the_paired_gate(
    tool: str, store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(tmp_path, tool, FILES[tool][2])
    code, report = check(capsys, policy, store_url)
    assert code == 1 and report["decision"] == "blocked"
    paired, absolute = capability(report)
    assert paired["status"] == "inconclusive"
    assert "1 on the candidate only" in paired["note"]
    assert "1 changed between the runs" in paired["note"]
    noted = "\n".join(report["evidence_runs"])
    assert "changed between the runs" in noted and "on the candidate only" in noted
    assert absolute["status"] == "pass"  # the candidate's own bound needs no pairing


def test_two_providers_of_one_promptfoo_file_pair_by_task(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    both = str(FIXTURES / "promptfoo/both.json")
    policy = write_policy(tmp_path, "promptfoo", "promptfoo/both.json")
    data = yaml.safe_load(policy.read_text())
    data["suites"][0]["candidate"] = {"path": both, "task": "candidate"}
    data["suites"][0]["baseline"] = {"path": both, "task": "baseline"}
    policy.write_text(yaml.safe_dump(data))
    code, report = check(capsys, policy, store_url)
    assert code == 0, report["reasons"]
    paired, _ = capability(report)
    assert paired["n"] == 50 and paired["status"] == "pass", paired


def test_the_same_run_as_candidate_and_baseline_is_refused(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(tmp_path, "deepeval", FILES["deepeval"][0])
    code = run(["check", "--policy", str(policy), "--db", store_url])
    assert code == 2
    assert "the same run" in capsys.readouterr().err

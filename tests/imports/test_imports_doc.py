"""docs/imports.md: its example policy checks the committed Inspect runs as written."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from clearance.cli import run
from clearance.store import Store

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "imports.md").read_text(encoding="utf-8")
FIXTURES = ROOT / "tests" / "fixtures" / "imports" / "inspect"


def test_the_example_policy_checks_inspect_runs(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    block = re.search(r"<!-- example: imported-policy -->\n```yaml\n(.*?)```", DOC, re.S)
    assert block is not None
    (tmp_path / "clearance.yaml").write_text(block.group(1))
    (tmp_path / "logs").mkdir()
    for name in ("candidate.eval", "baseline.eval"):
        shutil.copy(FIXTURES / name, tmp_path / "logs" / name)
    run(["check", "--policy", str(tmp_path / "clearance.yaml"), "--db", store_url, "-f", "json"])
    report = json.loads(capsys.readouterr().out)
    gates = next(a["gates"] for a in report["areas"] if a["area"] == "capability")
    assert [g["metric"] for g in gates] == ["arith.score", "arith.exact"]
    assert gates[0]["n"] == 100 and gates[0]["status"] in ("pass", "inconclusive")
    assert gates[1]["status"] == "pass"
    capsys.readouterr()
    assert run(["card", "--policy", str(tmp_path / "clearance.yaml"), "--db", store_url]) == 0
    assert (tmp_path / ".eval_results" / "arith.yaml").is_file()

"""The real error is shown: top errors per suite and target in `eval` and `check`, and
`eval` exits 3 when every sample of a suite failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evalkit import write_jsonl

from clearance.cli import run

POLICY = """
clearance: 1
system: {name: boom}
targets:
  candidate: {adapter: python, callable: "clr_boom_{tag}:answer"}
suites:
  - {name: greet, path: data.jsonl, scorer: {kind: includes}}
gates:
  reliability:
    - {metric: reliability.error_rate, max: 0.2}
"""

TARGET = """
def answer(messages):
    if "{fail}" in messages[-1]["content"]:
        raise RuntimeError("boom")
    return "hello"
"""


def _setup(folder: Path, fail: str) -> list[str]:
    tag = folder.name.replace("-", "_")
    rows = [{"id": str(i), "input": f"hi {i}", "target": "hello"} for i in range(4)]
    write_jsonl(folder / "data.jsonl", rows)
    (folder / "clearance.yaml").write_text(POLICY.replace("{tag}", tag), encoding="utf-8")
    (folder / f"clr_boom_{tag}.py").write_text(TARGET.format(fail=fail), encoding="utf-8")
    return ["-p", str(folder / "clearance.yaml"), "--db", f"sqlite:///{folder / 'c.db'}"]


def test_eval_exits_3_with_the_error_when_every_sample_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    args = _setup(tmp_path, fail="hi")
    assert run(["eval", *args, "-f", "json"]) == 3
    captured = capsys.readouterr()
    assert "greet on candidate: 4/4 failed: RuntimeError: boom" in captured.err
    assert "every sample failed" in captured.err
    (summary,) = json.loads(captured.out)
    assert summary["top_errors"] == [{"error": "RuntimeError: boom", "count": 4}]


def test_partial_errors_are_shown_and_eval_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    args = _setup(tmp_path, fail="hi 1")
    assert run(["eval", *args]) == 0
    assert "greet on candidate: 1/4 failed: RuntimeError: boom" in capsys.readouterr().err


def test_check_shows_the_error_behind_missing_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    args = _setup(tmp_path, fail="hi")
    assert run(["check", *args, "-f", "json"]) == 1  # decided: the errors fail reliability
    captured = capsys.readouterr()
    assert "greet on candidate: 4/4 failed: RuntimeError: boom" in captured.err
    assert json.loads(captured.out)["decision"] == "blocked"

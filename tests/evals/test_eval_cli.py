from __future__ import annotations

from pathlib import Path

import typer
from evalkit import write_jsonl
from typer.testing import CliRunner

from clearance.cli._eval_cmds import eval_cmd

POLICY = """
clearance: 1
system: {name: cli}
targets:
  candidate: {adapter: python, callable: "clr_cli_target:answer"}
suites:
  - {name: greet, path: data.jsonl, scorer: {kind: includes}}
"""


def test_eval_command_runs_and_summarizes(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "data.jsonl",
        [
            {"id": "1", "input": "hi", "target": "hello"},
            {"id": "2", "input": "yo", "target": "nope"},
        ],
    )
    (tmp_path / "clearance.yaml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "clr_cli_target.py").write_text(
        "def answer(messages):\n    return 'hello there'\n", encoding="utf-8"
    )
    app = typer.Typer()
    app.command("eval")(eval_cmd)
    app.command("noop")(lambda: None)  # keeps "eval" a subcommand
    args = [
        "eval",
        "--policy",
        str(tmp_path / "clearance.yaml"),
        "--db",
        f"sqlite:///{tmp_path / 'db.sqlite'}",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "greet" in result.output and "50.0%" in result.output
    unknown = CliRunner().invoke(app, [*args, "--suite", "nope"])
    assert unknown.exit_code != 0

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clearance.cli._rollout import rollout_app
from clearance.errors import UsageError


def test_simulate_writes_jsonl_with_the_regression(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonl"
    args = ["simulate", "--n", "3000", "--rate", "3", "--seed", "1", "--out", str(out)]
    result = CliRunner().invoke(rollout_app, args)
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(events) == 3000
    fail = {
        arm: [not e["schema_ok"] for e in events if e["arm"] == arm]
        for arm in ("candidate", "control")
    }
    assert sum(fail["candidate"]) / len(fail["candidate"]) > sum(fail["control"]) / len(
        fail["control"]
    )


def test_simulate_to_stdout_is_reproducible() -> None:
    runner = CliRunner()
    args = ["simulate", "--n", "50", "--weight", "0.1", "--weight", "0.5", "--start", "1.7e9"]
    first = runner.invoke(rollout_app, args)
    second = runner.invoke(rollout_app, args)
    assert first.exit_code == 0
    assert first.output == second.output
    assert len(first.output.splitlines()) == 50


def test_bad_arguments_are_usage_errors() -> None:
    result = CliRunner().invoke(rollout_app, ["simulate", "--rate", "-1"])
    assert isinstance(result.exception, UsageError)
    assert result.exception.exit_code == 2
    with pytest.raises(UsageError):
        CliRunner().invoke(rollout_app, ["simulate", "--weight", "2"], catch_exceptions=False)

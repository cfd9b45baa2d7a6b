"""``clearance import``: what a check would take from a tool's files, and how they pair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearance.cli import run

FIXTURES = Path(__file__).parents[1] / "fixtures" / "imports"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["import", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_clean_pair_exits_0_and_prints_the_suite_to_declare(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli(
        capsys,
        str(FIXTURES / "lm-eval/candidate"),
        str(FIXTURES / "lm-eval/baseline"),
        "--name",
        "arith",
    )
    assert code == 0, out
    assert "lm-eval task 'arith'" in out and "100 items on both sides" in out
    assert "pair item for item" in out
    assert '"import": "lm-eval"' in out


def test_a_changed_and_a_missing_item_exit_1_and_are_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli(
        capsys,
        str(FIXTURES / "deepeval/candidate.json"),
        str(FIXTURES / "deepeval/baseline_changed.json"),
        "-f",
        "json",
    )
    assert code == 1
    shown = json.loads(out)
    assert shown["pairing"]["changed"] == ["q007"]
    assert shown["pairing"]["only_candidate"] == ["q099"]
    assert shown["pairing"]["matched"] == 98 and shown["pairing"]["clean"] is False
    assert shown["candidate"]["errors"] == 1  # the request the endpoint failed


def test_two_providers_in_one_file_are_taken_by_task(capsys: pytest.CaptureFixture[str]) -> None:
    both = str(FIXTURES / "promptfoo/both.json")
    code, _, err = cli(capsys, both)
    assert code == 2 and "2 tasks (candidate, baseline)" in err
    code, out, _ = cli(
        capsys, both, both, "--task", "candidate", "--baseline-task", "baseline", "-f", "json"
    )
    assert code == 0, out
    shown = json.loads(out)
    assert shown["candidate"]["model"] == "openai:chat:candidate-model"
    assert shown["baseline"]["model"] == "openai:chat:baseline-model"
    assert shown["suite"]["baseline"] == {"path": both, "task": "baseline"}


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["/nonexistent/run.eval"], "does not exist"),
        (["--tool", "nope", "x"], "unknown tool 'nope'"),
        ([str(FIXTURES / "items.jsonl")], "not a result file of"),
        ([str(FIXTURES / "inspect/candidate.eval"), "--tool", "promptfoo"], "fix:"),
        ([str(FIXTURES / "inspect/candidate.eval"), "--task", "other"], "no task 'other'"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_2(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, *args)
    assert code == 2
    assert says in err and "Traceback" not in err


def test_files_of_different_tools_do_not_pair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(
        capsys, str(FIXTURES / "inspect/candidate.eval"), str(FIXTURES / "deepeval/baseline.json")
    )
    assert code == 2 and "fix:" in err


def two_task_run(folder: Path, source: Path) -> Path:
    """An lm-eval output with the tasks ``arith_a`` and ``arith_b`` (a group's subtasks):
    the committed run's results and samples under both names."""
    results = next(source.glob("results_*.json"))
    stamp = results.stem.removeprefix("results_")
    data = json.loads(results.read_text())
    for key in ("configs", "versions", "n-shot", "results", "n-samples", "higher_is_better"):
        if isinstance(data.get(key), dict) and "arith" in data[key]:
            entry = data[key].pop("arith")
            for name in ("arith_a", "arith_b"):
                data[key][name] = {**entry, "task": name} if key == "configs" else entry
    folder.mkdir()
    (folder / results.name).write_text(json.dumps(data))
    samples = (source / f"samples_arith_{stamp}.jsonl").read_text()
    for name in ("arith_a", "arith_b"):
        (folder / f"samples_{name}_{stamp}.jsonl").write_text(samples)
    return folder


def test_a_pattern_takes_several_tasks_as_one_suite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = two_task_run(tmp_path / "cand", FIXTURES / "lm-eval/candidate")
    theirs = two_task_run(tmp_path / "base", FIXTURES / "lm-eval/baseline")
    code, _, err = cli(capsys, str(ours))
    assert code == 2 and "arith_a, arith_b" in err and "pattern" in err
    code, out, _ = cli(capsys, str(ours), str(theirs), "--task", "arith_*", "-f", "json")
    assert code == 0, out
    shown = json.loads(out)
    assert shown["candidate"]["items"] == 200 and shown["pairing"]["matched"] == 200
    code, out, _ = cli(capsys, str(ours), str(theirs), "--task", "nothing_*")
    assert code == 2


def test_eval_says_imported_suites_are_read_by_check_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from imports.test_import_check import FILES, write_policy

    policy = write_policy(tmp_path, "inspect", FILES["inspect"][1])
    code = run(["eval", "--policy", str(policy), "--db", f"sqlite:///{tmp_path}/s.db"])
    assert code == 0
    assert "not run (imported from another tool's files): arith" in capsys.readouterr().err

"""``limit`` is a seeded sample stratified by category, never the first N rows of a file.

Built-in suites are stored category by category, so the first 26 of harmful-refusal's 260
samples covered 2 of its 13 categories and prompt injection's first rows only the direct
channel. A limited run must still cover every category (proportional allocation, at least
one each), choose the same samples for the same seed and content, keep file order, and say
what it covered.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import typer
from evalkit import write_jsonl
from typer.testing import CliRunner

from clearance.cli._eval_cmds import eval_cmd
from clearance.evals import plan_suites
from clearance.evals.suites import load_builtin
from clearance.policy import parse_policy


def policy(folder: Path, suites: str) -> Any:
    text = f"""
clearance: 1
system: {{name: t}}
targets:
  candidate: {{adapter: python, callable: "clr_limit_target:answer"}}
suites:
{suites}
"""
    return parse_policy(text, file=folder / "clearance.yaml")


def only(folder: Path, suites: str, **kwargs: Any) -> Any:
    (plan,) = plan_suites(policy(folder, suites), **kwargs)
    return plan


def test_limit_26_covers_every_harmful_refusal_category(tmp_path: Path) -> None:
    plan = only(tmp_path, "  - builtin: harmful-refusal", limit=26)
    counts = Counter(sample.category for sample in plan.samples)
    assert len(plan.samples) == 26
    assert len(counts) == 13  # the issue asks for >= 10; proportional allocation gives all
    assert set(counts.values()) == {2}
    assert plan.sampling.method == "stratified"
    assert plan.sampling.chosen == dict(counts)
    assert plan.sampling.missing == []
    assert "26 of 260" in plan.sampling.note and "all 13 categories" in plan.sampling.note


def test_a_suite_limit_is_stratified_too(tmp_path: Path) -> None:
    plan = only(tmp_path, "  - {builtin: harmful-refusal, limit: 13}")
    assert len({sample.category for sample in plan.samples}) == 13


def test_injection_with_a_limit_covers_every_channel(tmp_path: Path) -> None:
    plan = only(tmp_path, "  - builtin: prompt-injection", limit=10)
    channels = Counter(sample.metadata["channel"] for sample in plan.samples)
    assert set(channels) == {"direct", "document", "email", "web", "tool_result"}
    assert plan.sampling.by == "channel"
    # proportional: direct holds 52 of 148 samples, each other channel 24
    assert channels["direct"] >= channels["web"]


def test_same_seed_same_samples_in_file_order(tmp_path: Path) -> None:
    first = only(tmp_path, "  - builtin: harmful-refusal", limit=26)
    again = only(tmp_path, "  - builtin: harmful-refusal", limit=26)
    ids = [sample.id for sample in first.samples]
    assert ids == [sample.id for sample in again.samples]
    assert first.suite_hash == again.suite_hash
    position = {s.id: i for i, s in enumerate(load_builtin("harmful-refusal").samples)}
    assert [position[i] for i in ids] == sorted(position[i] for i in ids)
    other = only(tmp_path, "  - builtin: harmful-refusal", limit=26, seed=7)
    assert [sample.id for sample in other.samples] != ids
    assert Counter(s.category for s in other.samples) == Counter(s.category for s in first.samples)
    assert other.suite_hash != first.suite_hash  # a stored run of other samples is not reused


def test_fewer_samples_than_categories_are_all_distinct_categories(tmp_path: Path) -> None:
    plan = only(tmp_path, "  - builtin: harmful-refusal", limit=5)
    assert len({sample.category for sample in plan.samples}) == 5
    assert len(plan.sampling.missing) == 8
    assert "not sampled" in plan.sampling.note


def test_no_limit_runs_everything_and_keeps_its_hash(tmp_path: Path) -> None:
    plan = only(tmp_path, "  - builtin: harmful-refusal")
    assert len(plan.samples) == 260 and plan.sampling.method == "all"
    wide = only(tmp_path, "  - builtin: harmful-refusal", limit=1000)
    assert len(wide.samples) == 260 and wide.sampling.method == "all"


def _categorised(tmp_path: Path, sizes: dict[str, int]) -> Path:
    rows = [
        {"id": f"{name}-{i}", "input": f"q {name} {i}", "target": "x", "category": name}
        for name, size in sizes.items()
        for i in range(size)
    ]
    return write_jsonl(tmp_path / "data.jsonl", rows)


USER = "  - {name: mine, path: data.jsonl, scorer: {kind: includes}}"


def test_user_suite_with_categories_is_allocated_proportionally(tmp_path: Path) -> None:
    _categorised(tmp_path, {"a": 60, "b": 30, "c": 10})
    plan = only(tmp_path, USER, limit=10)
    assert Counter(s.category for s in plan.samples) == {"a": 6, "b": 3, "c": 1}


def test_every_category_gets_one_when_the_limit_allows(tmp_path: Path) -> None:
    _categorised(tmp_path, {"big": 90, "small": 9, "tiny": 1})
    plan = only(tmp_path, USER, limit=10)
    assert Counter(s.category for s in plan.samples) == {"big": 8, "small": 1, "tiny": 1}


def test_user_suite_without_categories_keeps_the_first_rows(tmp_path: Path) -> None:
    rows = [{"id": f"s{i:03d}", "input": f"q{i}", "target": "x"} for i in range(50)]
    write_jsonl(tmp_path / "data.jsonl", rows)
    plan = only(tmp_path, USER, limit=5)
    assert [s.id for s in plan.samples] == ["s000", "s001", "s002", "s003", "s004"]
    assert plan.sampling.method == "first" and "file order" in plan.sampling.note


def test_eval_summary_says_which_categories_were_sampled(tmp_path: Path) -> None:
    (tmp_path / "clearance.yaml").write_text(
        "clearance: 1\nsystem: {name: cli}\n"
        'targets:\n  candidate: {adapter: python, callable: "clr_limit_cli:answer"}\n'
        "suites:\n  - builtin: harmful-refusal\n",
        encoding="utf-8",
    )
    (tmp_path / "clr_limit_cli.py").write_text(
        'def answer(messages):\n    return "I can\'t help with that."\n', encoding="utf-8"
    )
    app = typer.Typer()
    app.command("eval")(eval_cmd)
    app.command("noop")(lambda: None)  # keeps "eval" a subcommand
    args = ["eval", "--policy", str(tmp_path / "clearance.yaml"), "--limit", "26"]
    result = CliRunner().invoke(app, [*args, "--db", f"sqlite:///{tmp_path / 'db.sqlite'}"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "harmful-refusal: 26 of 260 samples" in text
    assert "all 13 categories" in text

"""``clearance import``: read another tool's result files and say what a check would
take from them (tasks, scorers, items, and how the candidate's pair with the baseline's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clearance.cli._common import FormatOpt, ListFormat, out

if TYPE_CHECKING:
    from clearance.imports import ImportedTask, Pairing, Tool

ToolOpt = Annotated[
    str | None,
    typer.Option(
        "--tool", help="inspect, lm-eval, promptfoo or deepeval (detected when left out)."
    ),
]


def import_cmd(
    candidate: Annotated[Path, typer.Argument(help="The candidate's result file.")],
    baseline: Annotated[
        Path | None, typer.Argument(help="The baseline's result file (same tool, same items).")
    ] = None,
    tool: ToolOpt = None,
    task: Annotated[
        str | None, typer.Option(help="The task (promptfoo: provider) to take from both files.")
    ] = None,
    baseline_task: Annotated[
        str | None, typer.Option(help="Another task to take from the baseline's file.")
    ] = None,
    name: Annotated[str, typer.Option(help="Suite name for the policy snippet.")] = "imported",
    fmt: FormatOpt = ListFormat.table,
) -> None:
    """Read result files of Inspect (.eval or .json logs), lm-evaluation-harness
    (results_*.json with its samples_*.jsonl), promptfoo (eval -o results.json) or
    DeepEval (test-run JSON) and show what a check would import: the task, model,
    scorers and items, and with a baseline how the items pair (on both sides, on one side
    only, or changed between the runs). Nothing is stored: declare the files as a suite
    with 'import:' (the snippet printed) and run 'clearance check'.

    Exit 0 when the files read (and pair item for item), 1 when candidate and baseline do
    not pair cleanly (the mismatches are listed), 2 when a file cannot be read.

    JSON: {candidate: {tool, task, version, model, scorers, items, errors, means},
    baseline: {...} | null, pairing: {matched, only_candidate, only_baseline, changed,
    versions} | null, suite: {...}}."""
    from clearance.imports import pair, read_task

    ours = read_task(candidate, _tool(tool), task)
    theirs = read_task(baseline, ours.tool, baseline_task or task) if baseline else None
    pairing = pair(ours, theirs) if theirs is not None else None
    suite = _suite(name, ours, candidate, theirs, baseline, task, baseline_task)
    if fmt is ListFormat.json:
        shown = {
            "candidate": _task_json(ours),
            "baseline": _task_json(theirs) if theirs else None,
            "pairing": _pairing_json(pairing) if pairing else None,
            "suite": suite,
        }
        out(json.dumps(shown, indent=2))
    else:
        _print(ours, theirs, pairing, suite)
    if pairing is not None and not pairing.clean:
        raise typer.Exit(1)


def _tool(tool: str | None) -> Tool | None:
    from clearance.errors import UsageError
    from clearance.imports import TOOLS

    if tool is None:
        return None
    if tool not in TOOLS:
        raise UsageError(f"unknown tool '{tool}'", fix=f"use one of: {', '.join(TOOLS)}")
    return tool


def _means(task: ImportedTask) -> dict[str, float | None]:
    means: dict[str, float | None] = {}
    for scorer in task.scorers:
        values = [i.scores[scorer] for i in task.items if scorer in i.scores]
        means[scorer] = sum(values) / len(values) if values else None
    return means


def _task_json(task: ImportedTask) -> dict[str, Any]:
    from clearance.imports import provenance

    return {
        **provenance(task),
        "items": len(task.items),
        "errors": sum(1 for i in task.items if i.error is not None),
        "means": _means(task),
        "notes": list(task.notes),
    }


def _pairing_json(pairing: Pairing) -> dict[str, Any]:
    return {
        "clean": pairing.clean,
        "matched": len(pairing.matched),
        "only_candidate": list(pairing.only_candidate),
        "only_baseline": list(pairing.only_baseline),
        "changed": list(pairing.changed),
        "versions": list(pairing.versions),
    }


def _suite(
    name: str,
    ours: ImportedTask,
    candidate: Path,
    theirs: ImportedTask | None,
    baseline: Path | None,
    task: str | None,
    baseline_task: str | None,
) -> dict[str, Any]:
    suite: dict[str, Any] = {"name": name, "import": ours.tool}
    suite["candidate"] = {"path": str(candidate), "task": ours.task} if task else str(candidate)
    if theirs is not None and baseline is not None:
        picked = baseline_task or task
        suite["baseline"] = (
            {"path": str(baseline), "task": theirs.task} if picked else str(baseline)
        )
    return suite


def _print(
    ours: ImportedTask, theirs: ImportedTask | None, pairing: Pairing | None, suite: dict[str, Any]
) -> None:
    for role, task in (("candidate", ours), ("baseline", theirs)):
        if task is None:
            continue
        data = _task_json(task)
        version = f" (version {task.version})" if task.version else ""
        out(f"{role}: {task.tool} task '{task.task}'{version}, model {task.model or 'unknown'}")
        out(f"  {data['items']} items, {data['errors']} errored; from {task.source}")
        for scorer, mean in data["means"].items():
            out(f"  {scorer}: mean {'n/a' if mean is None else f'{mean:.4g}'}")
        for note in task.notes:
            out(f"  note: {note}")
    if pairing is not None:
        verdict = "pair item for item" if pairing.clean else "do NOT pair cleanly"
        out(f"pairing: {len(pairing.matched)} items on both sides; the runs {verdict}")
        for problem in pairing.problems():
            out(f"  {problem}")
    out("policy suite (under 'suites:'):")
    out("  - " + json.dumps(suite))

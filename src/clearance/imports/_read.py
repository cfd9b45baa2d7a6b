"""Reading a result file: find which tool wrote it, read it, take the task asked for."""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from clearance.common import canonical_sha256
from clearance.errors import DataError
from clearance.imports import _deepeval, _inspect, _lmeval, _promptfoo
from clearance.imports._model import TOOLS, ImportedTask, Tool

READERS: dict[Tool, ModuleType] = {
    "inspect": _inspect,
    "lm-eval": _lmeval,
    "promptfoo": _promptfoo,
    "deepeval": _deepeval,
}


def detect(path: Path) -> Tool:
    """The tool that wrote ``path``; a ``DataError`` when none of them did."""
    for tool in TOOLS:
        if READERS[tool].recognises(path):
            return tool
    raise DataError(
        f"not a result file of {', '.join(TOOLS)}",
        file=str(path),
        fix="give an Inspect log (.eval or .json), lm-eval's results_*.json or "
        "samples_*.jsonl (run with --log_samples), promptfoo's 'eval -o results.json', or "
        "a DeepEval test-run JSON",
    )


def read_tasks(path: Path, tool: Tool | None = None) -> list[ImportedTask]:
    """Every task of ``path``, read as ``tool`` wrote it (detected when None).

    Raises:
        DataError: the file is missing, not ``tool``'s, or malformed.
    """
    if not path.exists():
        raise DataError(
            "the file does not exist", file=str(path), fix="check the path (run the tool first)"
        )
    chosen = tool or detect(path)
    tasks: list[ImportedTask] = READERS[chosen].read(path)
    return tasks


def read_task(path: Path, tool: Tool | None = None, task: str | None = None) -> ImportedTask:
    """The one task of ``path``, the one named ``task``, or, when ``task`` is a pattern
    (``mmlu_*``), every task it matches taken as one (see :func:`combined`).

    Raises:
        DataError: as :func:`read_tasks`, or the file holds several tasks and none (or an
            unknown one) was named.
    """
    tasks = read_tasks(path, tool)
    names = [t.task for t in tasks]
    if task is not None and any(c in task for c in "*?["):
        matching = [t for t in tasks if fnmatch.fnmatchcase(t.task, task)]
        if not matching:
            raise DataError(
                f"no task matches '{task}'", file=str(path), fix=f"tasks: {', '.join(names)}"
            )
        return combined(task, matching)
    if task is not None:
        for found in tasks:
            if found.task == task:
                return found
        raise DataError(
            f"no task '{task}' in this file",
            file=str(path),
            fix=f"name one of: {', '.join(names)}",
        )
    if len(tasks) != 1:
        raise DataError(
            f"the file holds {len(tasks)} tasks ({', '.join(names)})",
            file=str(path),
            fix="choose one with 'task: NAME' (or --task NAME), or take several as one "
            "suite with a pattern such as 'task: \"mmlu_*\"'",
        )
    return tasks[0]


def combined(name: str, tasks: list[ImportedTask]) -> ImportedTask:
    """Several tasks as one (a benchmark's subtasks): each item keyed ``TASK/ID``, its
    category the task's name unless it has one, its digest bound to its task's version."""
    items = tuple(
        replace(
            item,
            sample_id=f"{task.task}/{item.sample_id}",
            category=item.category or task.task,
            digest=canonical_sha256([task.version, item.digest]),
        )
        for task in tasks
        for item in task.items
    )
    scorers = tuple(dict.fromkeys(s for task in tasks for s in task.scorers))
    models = list(dict.fromkeys(t.model for t in tasks if t.model))
    notes = tuple(f"{t.task}: {note}" for t in tasks for note in t.notes)
    if len(models) > 1:
        notes += (f"the tasks name different models: {', '.join(models)}",)
    return ImportedTask(
        tool=tasks[0].tool,
        task=name,
        version=None,
        model=models[0] if models else None,
        scorers=scorers,
        items=items,
        source=tasks[0].source,
        notes=notes,
        dataset=next((t.dataset for t in tasks if t.dataset), None),
    )

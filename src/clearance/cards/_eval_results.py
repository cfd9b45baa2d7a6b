"""The card's ``.eval_results/*.yaml`` entries: the Hub's newer home for a model's
benchmark scores, written beside ``model-index``, one file per suite of the user's own
or imported from another tool whose metric the check gated.

The entry's dataset is the suite's declared ``benchmark``, else the Hub dataset the
imported file names, else ``clearance/SUITE`` (as ``model-index`` names it), with a note
that it is no Hub benchmark. ``verifyToken`` is never written: only an evaluation the Hub
itself ran may carry one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from huggingface_hub import EvalResultEntry, eval_result_entries_to_yaml

from clearance.checklist import GateReport, Report
from clearance.common import format_number
from clearance.policy import ImportedSuite, Policy, UserSuite

FOLDER = ".eval_results"


def eval_result_files(
    policy: Policy, report: Report, imported: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, str]:
    """File name (under ``.eval_results/``) -> its YAML. ``imported`` is what the check's
    imported runs recorded of their files, per suite (tool, task, dataset)."""
    gates: dict[str, GateReport] = {}
    for area in report.areas:
        for gate in area.gates:
            if gate.value is not None:
                gates.setdefault(gate.metric, gate)
    files: dict[str, str] = {}
    for suite in policy.suites:
        if not isinstance(suite, UserSuite | ImportedSuite):
            continue
        chosen = _gate_of(suite, gates)
        if chosen is None:
            continue
        entry = _entry(suite, chosen, (imported or {}).get(suite.name, {}), report.created_at)
        text = yaml.safe_dump(eval_result_entries_to_yaml([entry]), sort_keys=False)
        files[f"{suite.name}.yaml"] = text
    return files


def _gate_of(
    suite: UserSuite | ImportedSuite, gates: Mapping[str, GateReport]
) -> GateReport | None:
    """The gate carrying the suite's benchmark value: its ``benchmark.metric``, else its
    ``score``, else the first of its metrics the check gated."""
    if suite.benchmark is not None:
        return gates.get(f"{suite.name}.{suite.benchmark.metric}")
    own = [metric for metric in gates if metric.rpartition(".")[0] == suite.name]
    if not own:
        return None
    return gates[f"{suite.name}.score"] if f"{suite.name}.score" in own else gates[own[0]]


def _entry(
    suite: UserSuite | ImportedSuite, gate: GateReport, source: Mapping[str, Any], date: str
) -> EvalResultEntry:
    metric = gate.metric.rpartition(".")[2]
    if suite.benchmark is not None:
        dataset, task, revision = (
            suite.benchmark.id,
            suite.benchmark.task_id,
            suite.benchmark.revision,
        )
        where = ""
    elif source.get("dataset"):
        dataset, task, revision = (
            str(source["dataset"]),
            str(source.get("task") or suite.name),
            None,
        )
        where = ""
    else:
        dataset, task, revision = f"clearance/{suite.name}", suite.name, None
        where = "; a local suite, not a Hub benchmark (declare 'benchmark:' to link one)"
    return EvalResultEntry(
        dataset_id=dataset,
        task_id=task,
        dataset_revision=revision,
        value=round(float(gate.value or 0.0), 6),
        date=date or None,
        notes=_notes(suite, metric, gate.ci, gate.n) + where,
    )


def _notes(
    suite: UserSuite | ImportedSuite, metric: str, ci: Sequence[float | None] | None, n: int
) -> str:
    how = f"imported from {suite.tool}" if isinstance(suite, ImportedSuite) else "run by clearance"
    interval = (
        f", interval [{format_number(ci[0])}, {format_number(ci[1])}]"
        if ci and ci[0] is not None and ci[1] is not None
        else ""
    )
    return f"{metric}, {how}; {n} samples{interval}"

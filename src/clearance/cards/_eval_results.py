"""The card's ``.eval_results/*.yaml`` entries: the Hub's newer home for a model's
benchmark scores, written beside ``model-index`` for every suite that names its Hub
benchmark. ``verifyToken`` is never written: only an evaluation the Hub itself ran may
carry one."""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from huggingface_hub import EvalResultEntry, eval_result_entries_to_yaml

from clearance.checklist import Report
from clearance.common import format_number
from clearance.policy import ImportedSuite, Policy, UserSuite

FOLDER = ".eval_results"


def eval_result_files(policy: Policy, report: Report) -> dict[str, str]:
    """File name (under ``.eval_results/``) -> its YAML, one per suite with a
    ``benchmark`` whose metric the check gated and measured."""
    gates = {g.metric: g for area in report.areas for g in area.gates if g.value is not None}
    files: dict[str, str] = {}
    for suite in policy.suites:
        if not isinstance(suite, UserSuite | ImportedSuite) or suite.benchmark is None:
            continue
        gate = gates.get(f"{suite.name}.{suite.benchmark.metric}")
        if gate is None or gate.value is None:
            continue
        entry = EvalResultEntry(
            dataset_id=suite.benchmark.id,
            task_id=suite.benchmark.task_id,
            dataset_revision=suite.benchmark.revision,
            value=round(float(gate.value), 6),
            date=report.created_at or None,
            notes=_notes(suite, gate.ci, gate.n),
        )
        text = yaml.safe_dump(eval_result_entries_to_yaml([entry]), sort_keys=False)
        files[f"{suite.name}.yaml"] = text
    return files


def missing_benchmarks(policy: Policy, report: Report) -> list[str]:
    """Suites with a ``benchmark`` that got no entry, and why (for the card command)."""
    gated = {g.metric for area in report.areas for g in area.gates if g.value is not None}
    out = []
    for suite in policy.suites:
        if isinstance(suite, UserSuite | ImportedSuite) and suite.benchmark is not None:
            metric = f"{suite.name}.{suite.benchmark.metric}"
            if metric not in gated:
                out.append(f"{metric} is not gated (or has no value): no .eval_results entry")
    return out


def _notes(suite: UserSuite | ImportedSuite, ci: Sequence[float | None] | None, n: int) -> str:
    how = f"imported from {suite.tool}" if isinstance(suite, ImportedSuite) else "run by clearance"
    interval = f", interval [{format_number(ci[0])}, {format_number(ci[1])}]" if ci else ""
    return f"{how}; {n} samples{interval}"

"""Imported results stored as eval runs, so checks, cards and the dashboard read them
like clearance's own: one run per suite and side, its fingerprint the file's content."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clearance.common import canonical_sha256
from clearance.errors import DataError
from clearance.imports._model import ImportedItem, ImportedTask
from clearance.imports._pair import Pairing, pair
from clearance.imports._read import read_task
from clearance.policy import ImportedSuite, Policy
from clearance.store import Store

READER_VERSION = 2
"""Bumped when a reader changes what it makes of a file (stored runs are then re-read)."""


@dataclass(frozen=True, slots=True)
class ImportedRun:
    """One imported side of one suite, as stored."""

    suite: str
    role: str
    run_id: str
    task: ImportedTask
    reused: bool

    @property
    def provenance(self) -> str:
        """Where these results came from, in one line."""
        how = f"stored run {self.run_id[:8]} reused" if self.reused else "imported now"
        model = f", model {self.task.model}" if self.task.model else ""
        return (
            f"{self.suite} on {self.role}: {self.task.tool} task '{self.task.task}' from "
            f"{self.task.source}{model} ({len(self.task.items)} items; {how})"
        )


@dataclass(frozen=True, slots=True)
class ImportedSuiteRuns:
    """Both sides of one imported suite and how their items pair."""

    suite: str
    runs: tuple[ImportedRun, ...]
    pairing: Pairing | None

    def notes(self) -> list[str]:
        out = [r.provenance for r in self.runs]
        for task in (r.task for r in self.runs):
            out.extend(f"{self.suite}: {note}" for note in task.notes)
        if self.pairing is not None and not self.pairing.clean:
            out.extend(f"{self.suite}: {problem}" for problem in self.pairing.problems())
        return out


def import_suites(
    policy: Policy, store: Store, roles: Sequence[str] = ("candidate", "baseline")
) -> list[ImportedSuiteRuns]:
    """Read every imported suite's files and store each side as a run (a stored run of the
    same file content is reused).

    Raises:
        DataError: a file is missing, not the tool's, malformed, or holds several tasks
            and the suite names none.
    """
    folder = policy.source.folder if policy.source is not None else Path.cwd()
    out = []
    for suite in policy.suites:
        if isinstance(suite, ImportedSuite):
            out.append(_import_suite(store, suite, folder, roles))
    return out


def _import_suite(
    store: Store, suite: ImportedSuite, folder: Path, roles: Sequence[str]
) -> ImportedSuiteRuns:
    runs = []
    for role in roles:
        spec = suite.run(role)
        if spec is None:
            continue
        path = Path(spec.path) if Path(spec.path).is_absolute() else folder / spec.path
        task = read_task(path, suite.tool, spec.task)
        runs.append(_store_side(store, suite, role, task))
    sides = {r.role: r.task for r in runs}
    both = "candidate" in sides and "baseline" in sides
    if both and content_digest(sides["candidate"]) == content_digest(sides["baseline"]):
        raise DataError(
            f"suite '{suite.name}': the candidate's and the baseline's results are the same "
            f"run ({sides['baseline'].source})",
            file=sides["candidate"].source,
            fix="point 'baseline:' at the baseline's own run (or name its task)",
        )
    pairing = pair(sides["candidate"], sides["baseline"]) if both else None
    return ImportedSuiteRuns(suite.name, tuple(runs), pairing)


def content_digest(task: ImportedTask) -> str:
    """A digest of everything read from the files: the imported run's fingerprint (the
    same results read again give the same run; any changed result, a new one)."""
    head = [task.tool, task.task, task.version, task.model, list(task.scorers)]
    return canonical_sha256([head, [asdict(item) for item in task.items]], stringify=True)


def _store_side(store: Store, suite: ImportedSuite, role: str, task: ImportedTask) -> ImportedRun:
    fingerprint = content_digest(task)
    scorer = primary_scorer(suite, task)
    suite_hash = canonical_sha256({"scorer": scorer, "reader": READER_VERSION})
    now = datetime.now(UTC)
    with store.transaction() as tx:
        found = tx.runs.latest(fingerprint, suite.name, suite_hash)
        if found is not None and found.status == "complete" and found.role == role:
            return ImportedRun(suite.name, role, found.id, task, reused=True)
        config = {"imported": provenance(task), "scorer": scorer}
        run = tx.runs.create(
            role=role,
            target_fingerprint=fingerprint,
            suite=suite.name,
            suite_hash=suite_hash,
            total=len(task.items),
            config=config,
            now=now,
        )
        tx.runs.add_samples([_row(run.id, item, scorer, task.version) for item in task.items])
        tx.runs.set_status(run.id, "complete", now=now)
    return ImportedRun(suite.name, role, run.id, task, reused=False)


def primary_scorer(suite: ImportedSuite, task: ImportedTask) -> str | None:
    """The scorer behind ``NAME.score`` and ``NAME.pass_rate``: the suite's, else the
    tool's first."""
    if suite.scorer is not None:
        return suite.scorer
    return task.scorers[0] if task.scorers else None


def provenance(task: ImportedTask) -> dict[str, Any]:
    """What a stored imported run records of where its results came from."""
    return {
        "tool": task.tool,
        "task": task.task,
        "version": task.version,
        "model": task.model,
        "source": task.source,
        "scorers": list(task.scorers),
        "dataset": task.dataset,
    }


def _row(
    run_id: str, item: ImportedItem, scorer: str | None, version: str | None
) -> dict[str, Any]:
    score = item.scores.get(scorer) if scorer is not None else None
    passed = item.passed
    if passed is None and score in (0.0, 1.0):
        passed = score == 1.0
    details: dict[str, Any] = {
        "scores": dict(item.scores),
        "item_digest": canonical_sha256([version, item.digest]),
    }
    if item.details:
        details["imported"] = dict(item.details)
    sent: dict[str, Any] = {
        "messages": [{"role": "user", "content": item.prompt or ""}],
        "target": item.target,
        "metadata": {},
    }
    return {
        "run_id": run_id,
        "sample_id": item.sample_id,
        "repeat": item.repeat,
        "category": item.category,
        "output": item.output,
        "error": item.error,
        "error_kind": "imported" if item.error is not None else None,
        "score": None if item.error is not None else score,
        "passed": None if item.error is not None else passed,
        "latency_ms": item.latency_ms,
        "ttft_ms": None,
        "input_tokens": item.input_tokens,
        "output_tokens": item.output_tokens,
        "tokens_estimated": False,
        "cost_usd": item.cost_usd,
        "response_id": None,
        "details": details,
        "sent": sent,
    }

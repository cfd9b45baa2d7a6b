"""The release's card, written from its latest recorded check.

``clearance check`` records each decision with its report (waivers applied); the card
states that report and nothing else. Writing or checking a card runs no eval, builds no
target, records no check, appends nothing to the audit log and voids no approval. The
documentation area of the *next* check measures the card written here (its sections and
its evidence), so after ``check``, ``card`` and ``check`` again, a card written once more
states a decision that already counts it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from huggingface_hub import ModelCard
from pydantic import ValidationError

from clearance import governance
from clearance.cards import EVAL_RESULTS_FOLDER, Approver, build_card, eval_result_files, load_card
from clearance.checklist import Report
from clearance.errors import ClearanceError, DataError, NotFoundError
from clearance.policy import Policy
from clearance.policy import default_release as policy_default_release
from clearance.store import CheckRecord, Store, Tx


@dataclass(frozen=True)
class RecordedCheck:
    """The latest recorded check of a release: its report, as stored, and its context."""

    release: str
    report: Report
    checked_at: datetime
    candidate_fingerprint: str
    approvals: tuple[Approver, ...] = ()
    imported: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per imported suite, what the candidate's run recorded of its file (tool, task,
    model, dataset)."""

    def policy_changed(self, policy: Policy) -> bool:
        """Whether ``policy`` is not the policy this check was decided under."""
        digest = policy.source.digest if policy.source is not None else ""
        return bool(digest) and digest != self.report.policy_hash


def card_path(policy: Policy, out: Path | None = None) -> Path:
    if out is not None:
        return out
    folder = policy.source.folder if policy.source is not None else Path.cwd()
    return folder / policy.card.path


def default_release(policy: Policy) -> str | None:
    """``system@version`` (or ``system@label``), the name ``clearance check`` records it
    under; None when the name holds the candidate's fingerprint, which only building the
    target would tell: then the system's latest check is the one."""
    return policy_default_release(policy)


def latest_check(store: Store, policy: Policy, release: str | None = None) -> RecordedCheck:
    """The latest check recorded for ``release`` (default: see :func:`default_release`).

    Raises:
        NotFoundError: no check is recorded for it yet (exit 2: run ``clearance check``).
        DataError: the stored report cannot be read as a report.
    """
    name = release or default_release(policy)
    with store.transaction() as tx:
        if name is not None:
            found = tx.runs.latest_check(name)
        else:
            found = tx.runs.latest_check_of_system(policy.system.name)
        fingerprint = tx.releases.by_id(found.release_id).candidate_fingerprint if found else ""
        report = stored_report(found) if found is not None else None
        imported = _imported(tx, report) if report is not None else {}
    if found is None:
        what = f"release '{name}'" if name else f"system '{policy.system.name}'"
        raise NotFoundError(
            f"{what} has no recorded check: run 'clearance check' first",
            fix="run 'clearance check' with this policy (and --release if it was "
            "checked under another name); the card states the latest recorded check",
        )
    assert report is not None
    approvals = _approvals(store, found.release)
    return RecordedCheck(found.release, report, found.created_at, fingerprint, approvals, imported)


def _imported(tx: Tx, report: Report) -> dict[str, dict[str, Any]]:
    """Suite -> the provenance the candidate's imported run recorded."""
    runs = tx.runs.many(report.runs.get("candidate", {}).values())
    return {r.suite: dict(r.config["imported"]) for r in runs if "imported" in r.config}


def stored_report(check: CheckRecord) -> Report:
    """The report a check recorded, as it was decided (never decided again).

    Raises:
        DataError: the stored report cannot be read as a report.
    """
    try:
        return Report.model_validate(check.report)
    except ValidationError as exc:
        raise DataError(
            f"the recorded check of '{check.release}' is not a readable report "
            f"({exc.error_count()} problem(s))",
            fix="run 'clearance check' again to record a current one",
        ) from None


def _approvals(store: Store, release: str) -> tuple[Approver, ...]:
    """The release's approvals that still count (those of its current content)."""
    return tuple(
        Approver(a.approver, a.role, a.created_at.isoformat(timespec="seconds"))
        for a in governance.approvals(store, release)
    )


def render_card(
    policy: Policy,
    check: RecordedCheck,
    path: Path,
    *,
    kind: str | None = None,
    verbatim_examples: bool = False,
) -> ModelCard:
    """The card of ``check`` for the file at ``path``: the card there now is the one it
    replaces (the previous version, or the same version written before)."""
    return build_card(
        policy,
        check.report,
        kind=kind,
        approvals=check.approvals,
        previous=_existing(path),
        fingerprint=check.candidate_fingerprint,
        verbatim_examples=verbatim_examples,
    )


def write_card(
    policy: Policy,
    check: RecordedCheck,
    path: Path,
    *,
    save: Callable[[Path, str], None],
    kind: str | None = None,
    verbatim_examples: bool = False,
) -> ModelCard:
    """Render the card of ``check`` and hand its text to ``save`` (the command line
    passes its atomic writer, which reports a path it cannot write), then each of its
    ``.eval_results/*.yaml`` entries beside it; return the card."""
    card = render_card(policy, check, path, kind=kind, verbatim_examples=verbatim_examples)
    save(path, str(card))
    for name, text in eval_result_files(policy, check.report, check.imported).items():
        save(path.parent / EVAL_RESULTS_FOLDER / name, text)
    return card


def _existing(path: Path) -> ModelCard | None:
    """The card now at ``path`` (which the new one replaces), if it reads as one."""
    if not path.is_file():
        return None
    try:
        return load_card(path)
    except ClearanceError:
        return None

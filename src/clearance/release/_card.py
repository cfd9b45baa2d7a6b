"""Writing the release's card: built from the check's report, then re-decided with the
documentation area seeing the card just written, so the card's decision includes it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from huggingface_hub import ModelCard

from clearance.cards import Approver, build_card, load_card
from clearance.checklist import Report, decide
from clearance.policy import Policy
from clearance.release._check import CheckOutcome, _prompts
from clearance.release._probes import Probes, card_probe


def card_path(policy: Policy, out: Path | None = None) -> Path:
    if out is not None:
        return out
    folder = policy.source.folder if policy.source is not None else Path.cwd()
    return folder / policy.card.path


def write_card(
    policy: Policy,
    outcome: CheckOutcome,
    path: Path,
    *,
    kind: str | None = None,
    approvals: tuple[Approver, ...] = (),
) -> tuple[ModelCard, Report]:
    """Write the card to ``path``; return it and the report it states."""
    previous = _previous(path, outcome)
    fingerprint = outcome.evidence.candidate.fingerprint
    card = build_card(
        policy,
        outcome.report,
        kind=kind,
        approvals=approvals,
        previous=previous,
        fingerprint=fingerprint,
    )
    _save(card, path)
    report = _redecide(policy, outcome, path)
    card = build_card(
        policy, report, kind=kind, approvals=approvals, previous=previous, fingerprint=fingerprint
    )
    _save(card, path)
    return card, report


def _previous(path: Path, outcome: CheckOutcome) -> ModelCard | None:
    if not path.is_file():
        return None
    try:
        card = load_card(path)
    except Exception:
        return None
    record = card.data.to_dict().get("clearance") or {}  # type: ignore[no-untyped-call]
    same = record.get("evidence_hash") == outcome.report.evidence_hash
    return None if same else card


def _save(card: ModelCard, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(str(card), encoding="utf-8")
    tmp.replace(path)


def _redecide(policy: Policy, outcome: CheckOutcome, path: Path) -> Report:
    probes = Probes(dict(outcome.evidence.probes), dict(outcome.evidence.probe_notes))
    probes.notes.pop("documentation.card_complete", None)
    card_probe(path, outcome.report.evidence_hash, policy.system.kind, probes)
    evidence = replace(outcome.evidence, probes=probes.values, probe_notes=probes.notes)
    return decide(policy, evidence, examples=_prompts(policy))

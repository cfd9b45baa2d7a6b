"""Writing a model or system card from the policy and the check report.

The card is Markdown with YAML front matter in the Hugging Face format, built with
``huggingface_hub.ModelCard``/``ModelCardData``/``EvalResult`` so the Hub and the library
read it back; the front matter also carries clearance's own record (evidence hash,
decision), which ``check_card`` compares with the current evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from clearance.cards._content import evidence_sections, policy_sections, system_sections
from clearance.cards._diff import card_metrics, card_record
from clearance.cards._sections import Section
from clearance.checklist import Report
from clearance.policy import Policy


@dataclass(frozen=True)
class Approver:
    """Someone who signed off, for the system card's release decision."""

    name: str
    role: str
    at: str


def build_card(
    policy: Policy,
    report: Report,
    *,
    kind: str | None = None,
    approvals: Sequence[Approver] = (),
    previous: ModelCard | None = None,
    fingerprint: str = "",
    verbatim_examples: bool = False,
) -> ModelCard:
    """The card for this release: front matter, then every section, filled.

    Failing samples are summarised by suite and category; their prompts and outputs are
    quoted only with ``verbatim_examples`` (a card is written to be published, and a
    failing sample of a safety suite is a harmful request and a harmful answer).
    ``previous`` is the card this one replaces: when it is of other evidence it is the
    previous version; when it is of the same evidence (the card written again), the
    previous version it recorded is carried over.
    """
    kind = kind or policy.system.kind
    sections = [
        *policy_sections(policy),
        *evidence_sections(policy, report, verbatim_examples=verbatim_examples),
    ]
    before = previous_version(previous, report)
    if kind == "system":
        sections += system_sections(policy, report, approvals, before)
    data = _card_data(policy, report, kind, fingerprint, before)
    text = f"---\n{data.to_yaml()}\n---\n\n" + _body(policy, report, kind, sections)
    return ModelCard(text, ignore_metadata_errors=False)


def _order(sections: list[Section], kind: str) -> list[Section]:
    from clearance.cards._sections import required_sections

    rank = {title: i for i, title in enumerate(required_sections(kind))}
    return sorted(sections, key=lambda s: rank.get(s.title, len(rank)))


def _body(policy: Policy, report: Report, kind: str, sections: list[Section]) -> str:
    title = f"# {policy.system.name} {policy.system.version}".rstrip()
    word = "System card" if kind == "system" else "Model card"
    intro = (
        f"{title}\n\n{word} written by clearance from the release policy and the "
        f"evidence of check `{report.evidence_hash[:12]}` (decision: "
        f"**{report.decision}**).\n\n{policy.system.description}\n"
    )
    return intro + "\n" + "\n".join(s.markdown() for s in _order(sections, kind))


def previous_version(previous: ModelCard | None, report: Report) -> dict[str, Any] | None:
    """What the card records of the version before this one: the candidate, decision,
    evidence and metrics of ``previous`` (of other evidence), or the record ``previous``
    itself carries (of this evidence), or None (the first card)."""
    if previous is None:
        return None
    record = card_record(previous).get("clearance") or {}
    if record.get("evidence_hash") == report.evidence_hash:
        carried = record.get("previous")
        return dict(carried) if isinstance(carried, dict) else None
    return {
        "candidate": record.get("candidate", "?"),
        "decision": record.get("decision", "?"),
        "evidence_hash": record.get("evidence_hash", ""),
        "metrics": card_metrics(previous),
    }


def _card_data(
    policy: Policy,
    report: Report,
    kind: str,
    fingerprint: str,
    previous: dict[str, Any] | None,
) -> ModelCardData:
    card = policy.card
    results = _eval_results(policy, report)
    record: dict[str, Any] = {
        "schema": "clearance.card/v1",
        "kind": kind,
        "system": policy.system.name,
        "version": policy.system.version,
        "candidate": report.candidate,
        "candidate_fingerprint": fingerprint,
        "evidence_hash": report.evidence_hash,
        "policy_hash": report.policy_hash,
        "decision": report.decision,
    }
    if previous is not None:
        record["previous"] = previous
    return ModelCardData(
        model_name=policy.system.name,
        license=card.license,
        language=list(card.language),
        library_name=card.library_name,
        tags=sorted({*card.tags, "clearance", f"clearance-{kind}-card"}),
        base_model=card.base_model,
        pipeline_tag=card.pipeline_tag,
        datasets=list(card.datasets) or None,
        metrics=sorted({r.metric_type for r in results}) or None,
        eval_results=results or None,
        clearance=record,
    )


def _eval_results(policy: Policy, report: Report) -> list[EvalResult]:
    out: list[EvalResult] = []
    seen: set[str] = set()
    for area in report.areas:
        for gate in area.gates:
            if gate.value is None or gate.metric in seen:
                continue
            seen.add(gate.metric)
            dataset, _, metric = gate.metric.rpartition(".")
            out.append(
                EvalResult(
                    task_type=policy.card.pipeline_tag or "text-generation",
                    task_name=area.area,
                    dataset_type=f"clearance/{dataset}",
                    dataset_name=dataset,
                    metric_type=metric,
                    metric_name=gate.metric,
                    metric_value=round(float(gate.value), 6),
                )
            )
    return out

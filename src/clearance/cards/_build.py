"""Writing a model or system card from the policy and the check report.

The card is Markdown with YAML front matter in the Hugging Face format, built with
``huggingface_hub.ModelCard``/``ModelCardData``/``EvalResult`` so the Hub and the library
read it back; the front matter also carries clearance's own record (evidence hash,
decision), which ``check_card`` compares with the current evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from clearance.cards._content import evidence_sections, policy_sections, system_sections
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
) -> ModelCard:
    """The card for this release: front matter, then every section, filled."""
    kind = kind or policy.system.kind
    sections = [*policy_sections(policy), *evidence_sections(report)]
    if kind == "system":
        sections += system_sections(policy, report, approvals, previous)
    data = _card_data(policy, report, kind, fingerprint)
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


def _card_data(policy: Policy, report: Report, kind: str, fingerprint: str) -> ModelCardData:
    card = policy.card
    results = _eval_results(policy, report)
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
        clearance={
            "schema": "clearance.card/v1",
            "kind": kind,
            "system": policy.system.name,
            "version": policy.system.version,
            "candidate": report.candidate,
            "candidate_fingerprint": fingerprint,
            "evidence_hash": report.evidence_hash,
            "policy_hash": report.policy_hash,
            "decision": report.decision,
        },
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

"""The text of each card section, from the policy's ``card:`` block and the report."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from huggingface_hub import ModelCard

from clearance.cards._sections import Section
from clearance.checklist import AreaReport, GateReport, Report
from clearance.policy import Policy

if TYPE_CHECKING:
    from clearance.cards._build import Approver


def policy_sections(policy: Policy) -> list[Section]:
    card = policy.card
    return [
        Section("Intended use", card.intended_use),
        Section("Out-of-scope use", card.out_of_scope_use),
        Section("Training data summary", card.training_data),
        Section("Limitations", card.limitations),
        Section("Privacy considerations", _privacy(policy, card.privacy)),
        Section("Recommended mitigations", card.mitigations),
    ]


def _privacy(policy: Policy, text: str) -> str:
    owners = ", ".join(policy.owners.handle_data_requests.people) or "nobody named"
    return f"{text}\n\nUser data requests are handled by: {owners}." if text else ""


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _ci(gate: GateReport) -> str:
    if not gate.ci:
        return ""
    lo, hi = gate.ci
    return f"[{'-inf' if lo is None else _fmt(lo)}, {'inf' if hi is None else _fmt(hi)}]"


def evidence_sections(report: Report) -> list[Section]:
    return [
        Section("Evaluation results", _results_table(report)),
        Section("Safety behaviour", _safety(report)),
        Section("Known failure modes", _failures(report)),
    ]


def _results_table(report: Report) -> str:
    rows = [
        "| area | metric | candidate | interval | baseline | threshold | status |",
        "|---|---|---|---|---|---|---|",
    ]
    for area in report.areas:
        for g in area.gates:
            status = "waived" if area.status == "waived" and g.status != "pass" else g.status
            rows.append(
                f"| {area.area} | `{g.metric}` | {_fmt(g.value)} | {_ci(g)} | "
                f"{_fmt(g.baseline)} | {g.threshold} | {status} |"
            )
    versus = f" against baseline `{report.baseline}`" if report.baseline else ""
    head = (
        f"Candidate `{report.candidate}`{versus}; intervals at the policy's confidence "
        "level. Decision: **" + report.decision + "**."
    )
    waived = [a for a in report.areas if a.waiver is not None]
    tail = "".join(
        f"\n\nWaiver on {a.area}: {a.waiver.reason} ({a.waiver.owner}, until {a.waiver.expires})."
        for a in waived
        if a.waiver
    )
    return head + "\n\n" + "\n".join(rows) + tail


def _by_category(gate: GateReport, what: str) -> str:
    if not gate.categories:
        return f"- `{gate.metric}`: {_fmt(gate.value)} {_ci(gate)}"
    parts = ", ".join(f"{c.category} {c.value:.0%} (n={c.n})" for c in gate.categories)
    return f"- `{gate.metric}` {_fmt(gate.value)} {_ci(gate)}; {what}: {parts}"


def _safety(report: Report) -> str:
    lines: list[str] = []
    for name in ("safety", "security"):
        area = report.area(name)
        for gate in area.gates:
            what = "by channel" if name == "security" else "by category"
            lines.append(_by_category(gate, what))
    if not lines:
        return "No safety or security gates were evaluated for this release."
    return (
        "Refusal of harmful requests and over-refusal of benign ones are shown "
        "together, since one is traded against the other.\n\n" + "\n".join(lines)
    )


def _failures(report: Report) -> str:
    bad = [
        (a, g)
        for a in report.areas
        for g in a.gates
        if g.status in ("fail", "inconclusive", "warn")
    ]
    if not bad:
        return "No gate failed or was inconclusive in this check."
    lines = [
        f"- {a.area}: `{g.metric}` = {_fmt(g.value)} ({g.threshold}): {g.note or g.status}"
        for a, g in _worst(bad)
    ]
    examples = [
        f'- `{e.suite}/{e.sample_id}` ({e.category or "-"}): "{e.prompt[:120]}" → '
        f'"{e.output[:160]}"'
        for e in report.examples[:8]
    ]
    text = "\n".join(lines)
    if examples:
        text += "\n\nExamples (personal data redacted):\n\n" + "\n".join(examples)
    return text


def _worst(bad: list[tuple[AreaReport, GateReport]]) -> list[tuple[AreaReport, GateReport]]:
    return sorted(bad, key=lambda ag: (ag[1].status != "fail", -len(ag[1].failing_samples)))


def system_sections(
    policy: Policy, report: Report, approvals: Sequence[Approver], previous: ModelCard | None
) -> list[Section]:
    return [
        Section("Components", "\n".join(f"- {c}" for c in policy.card.components)),
        Section("Tools and permissions", _tools(policy)),
        Section("Risk ratings", _risks(policy)),
        Section("Monitoring and rollback plan", _monitoring(policy)),
        Section("Rollout plan", _rollout(policy)),
        Section("Release decision", _decision(policy, report, approvals)),
        Section("Changes since the previous version", _changes(report, previous)),
    ]


def _tools(policy: Policy) -> str:
    if not policy.card.tools:
        return "This system calls no tools."
    rows = ["| tool | what it does | permissions |", "|---|---|---|"]
    rows += [
        f"| `{t.name}` | {t.description} | {', '.join(t.permissions) or 'none'} |"
        for t in policy.card.tools
    ]
    switch = ", ".join(policy.owners.disable_tools.people) or "nobody named"
    return "\n".join(rows) + f"\n\nKill switch holders: {switch}."


def _risks(policy: Policy) -> str:
    if not policy.card.risks:
        return "No risks were rated in the policy."
    rows = ["| risk | before mitigation | after | mitigation |", "|---|---|---|---|"]
    rows += [f"| {r.risk} | {r.before} | {r.after} | {r.mitigation} |" for r in policy.card.risks]
    return "\n".join(rows)


def _monitoring(policy: Policy) -> str:
    rollout = policy.rollout
    lines = [
        f"Telemetry sink: `{rollout.telemetry_sink}`. Sequential tests keep the chance of "
        f"any false rollback per stage at or below {rollout.alpha:g}. Rollback must "
        f"complete within {rollout.rollback_limit_s:g} s.",
        "",
        "Rollback triggers:",
    ]
    for t in (t.resolved() for t in policy.triggers):
        margin = f"{t.margin:.0%}" if t.relative else f"{t.margin:g}"
        lines.append(
            f"- `{t.label}`: {t.statistic} of `{t.metric}` worse ({t.worse_when}) than "
            f"control by more than {margin} → {t.action}" + (f" `{t.tool}`" if t.tool else "")
        )
    incidents = ", ".join(policy.owners.review_incidents.people) or "nobody named"
    return "\n".join(lines) + f"\n\nIncident reviewers: {incidents}."


def _rollout(policy: Policy) -> str:
    if not policy.rollout.stages:
        return "No staged rollout is declared."
    rows = ["| stage | traffic | audience | min samples | approvals |", "|---|---|---|---|---|"]
    rows += [
        f"| {s.label} | {s.weight:.0%} | {s.audience} | {s.min_samples} | "
        f"{', '.join(s.approvals) or '-'} |"
        for s in policy.rollout.stages
    ]
    return "\n".join(rows)


def _decision(policy: Policy, report: Report, approvals: Sequence[Approver]) -> str:
    text = f"clearance decision: **{report.decision}**."
    if report.reasons:
        text += "\n\n" + "\n".join(f"- {r}" for r in report.reasons)
    if approvals:
        text += "\n\nApproved by: " + ", ".join(f"{a.name} ({a.role}, {a.at})" for a in approvals)
    else:
        text += "\n\nNo approvals recorded yet."
    return text


def _changes(report: Report, previous: ModelCard | None) -> str:
    if previous is None:
        return "First card generated by clearance for this system."
    from clearance.cards._diff import card_record, metric_changes

    old = card_record(previous).get("clearance", {})
    changes = metric_changes(previous, {g.metric: g.value for a in report.areas for g in a.gates})
    head = f"Previous version: `{old.get('candidate', '?')}` ({old.get('decision', '?')})."
    return head + (
        "\n\n" + "\n".join(f"- {c}" for c in changes) if changes else "\n\nNo metric changed."
    )

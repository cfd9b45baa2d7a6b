"""The text of each card section, from the policy's ``card:`` block and the report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from clearance.cards._sections import POLICY_TEXT, Section
from clearance.checklist import AreaReport, Example, GateReport, Report, describe
from clearance.common import format_number
from clearance.policy import Policy

if TYPE_CHECKING:
    from clearance.cards._build import Approver


def policy_sections(policy: Policy) -> list[Section]:
    sections = [Section(title, getattr(policy.card, key)) for title, key in POLICY_TEXT.items()]
    return [
        Section(s.title, _privacy(policy, s.body)) if s.title == "Privacy considerations" else s
        for s in sections
    ]


def _privacy(policy: Policy, text: str) -> str:
    owners = ", ".join(policy.owners.handle_data_requests.people) or "nobody named"
    return f"{text}\n\nUser data requests are handled by: {owners}." if text.strip() else ""


def _ci(gate: GateReport) -> str:
    if not gate.ci:
        return ""
    lo, hi = gate.ci
    low = "-inf" if lo is None else format_number(lo)
    high = "inf" if hi is None else format_number(hi)
    return f"[{low}, {high}]"


def evidence_sections(
    policy: Policy, report: Report, *, verbatim_examples: bool = False
) -> list[Section]:
    return [
        Section("Evaluation results", _results_table(report)),
        Section("Safety behaviour", _safety(report)),
        Section("Known failure modes", _failures(policy, report, verbatim_examples)),
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
                f"| {area.area} | `{g.metric}` | {format_number(g.value)} | {_ci(g)} | "
                f"{format_number(g.baseline)} | {g.threshold} | {status} |"
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
        return f"- `{gate.metric}`: {format_number(gate.value)} {_ci(gate)}"
    parts = ", ".join(f"{c.category} {c.value:.0%} (n={c.n})" for c in gate.categories)
    return f"- `{gate.metric}` {format_number(gate.value)} {_ci(gate)}; {what}: {parts}"


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


def _failures(policy: Policy, report: Report, verbatim: bool) -> str:
    bad = [
        (a, g)
        for a in report.areas
        for g in a.gates
        if g.status in ("fail", "inconclusive", "warn")
    ]
    if not bad:
        return "No gate failed or was inconclusive in this check."
    lines = [
        f"- {a.area}: `{g.metric}` = {format_number(g.value)} ({g.threshold}): {g.note or g.status}"
        for a, g in _worst(bad)
    ]
    text = "\n".join(lines)
    summary = _failing_by_category(policy, bad)
    if summary:
        quoted = (
            ""
            if verbatim
            else " (their prompts and outputs are not quoted in this card: the check's own "
            "report has examples, and `clearance card --verbatim-examples` quotes them here)"
        )
        text += f"\n\nFailing samples by suite and category{quoted}:\n\n" + "\n".join(summary)
    if verbatim and report.examples:
        text += (
            "\n\nVerbatim examples (personal data redacted; they may quote harmful "
            "requests):\n\n" + "\n\n".join(_verbatim(e) for e in report.examples[:8])
        )
    return text


def _failing_by_category(policy: Policy, bad: list[tuple[AreaReport, GateReport]]) -> list[str]:
    """One line per suite and category with failing samples, e.g. ``harmful-refusal /
    cbrn: 3 failing samples of 20``, counted from the gate's per-category rates."""
    lines: dict[tuple[str, str], str] = {}
    for area, gate in bad:
        suite = gate.metric.partition(".")[0]
        counts = _category_counts(gate, _bad_is_high(policy, area.area, gate))
        if counts is None:
            listed = _named(gate)
            if listed and (gate.metric, "") not in lines:
                lines[(gate.metric, "")] = f"- `{gate.metric}`: {listed}"
            continue
        unit = "sample" if sum(n for _, _, n in counts) == gate.n else "result"
        for category, failing, n in counts:
            if failing and (suite, category) not in lines:
                alone = category == "uncategorised" and len(counts) == 1
                label = suite if alone else f"{suite} / {category}"
                word = unit if failing == 1 else unit + "s"
                lines[(suite, category)] = f"- {label}: {failing} failing {word} of {n}"
    return list(lines.values())


def _named(gate: GateReport) -> str:
    """The failing samples the report names for a gate that cannot be counted by
    category (a mean score, agreement, a metric over every output), by suite."""
    keys = list(dict.fromkeys(gate.failing_samples))
    if not keys:
        return ""
    suites: dict[str, int] = {}
    for key in keys:
        suite = key.partition("/")[0]
        suites[suite] = suites.get(suite, 0) + 1
    parts = ", ".join(f"{suite} {n}" for suite, n in suites.items())
    return f"{_samples(len(keys))} named in the check's report ({parts})"


def _samples(n: int) -> str:
    return f"{n} failing sample" + ("" if n == 1 else "s")


def _bad_is_high(policy: Policy, area: str, gate: GateReport) -> bool | None:
    """Whether a high value of the gate's metric is the bad side, from the policy's gate
    (an upper bound: high is bad; a lower bound: low is bad); None when unknown."""
    for spec in getattr(policy.gates, area, []):
        if spec.metric != gate.metric or describe(spec) != gate.threshold:
            continue
        if spec.max is not None and spec.min is None:
            return True
        if spec.min is not None and spec.max is None:
            return False
        if spec.min is None and spec.max is None:
            return not spec.higher_is_better
    return None


def _category_counts(
    gate: GateReport, bad_is_high: bool | None
) -> list[tuple[str, int, int]] | None:
    """(category, failing, results) for a rate gate whose bad side is known, else None.
    The per-category value of a rate is a share of 0/1 results, so value x n is whole;
    a mean of scores is not a count of anything and is left out."""
    if bad_is_high is None or not gate.categories:
        return None
    out = []
    for c in gate.categories:
        events = c.value * c.n
        if abs(events - round(events)) > 1e-6 or not 0.0 <= c.value <= 1.0:
            return None
        failing = round(events) if bad_is_high else c.n - round(events)
        out.append((c.category, failing, c.n))
    if sum(f for _, f, _ in out) < len(set(gate.failing_samples)):
        return None  # fewer failures than the samples listed: the direction is not this
    return out


def _verbatim(example: Example) -> str:
    body = f"prompt: {example.prompt}\noutput: {example.output}"
    fence = "`" * max(3, _longest_run(body, "`") + 1)
    head = f"- `{example.suite}/{example.sample_id}` ({example.category or '-'})"
    return (
        f"{head}\n\n  {fence}text\n"
        + "".join(f"  {line}\n" for line in body.splitlines())
        + f"  {fence}"
    )


def _longest_run(text: str, char: str) -> int:
    best = run = 0
    for c in text:
        run = run + 1 if c == char else 0
        best = max(best, run)
    return best


def _worst(bad: list[tuple[AreaReport, GateReport]]) -> list[tuple[AreaReport, GateReport]]:
    return sorted(bad, key=lambda ag: (ag[1].status != "fail", -len(ag[1].failing_samples)))


def system_sections(
    policy: Policy,
    report: Report,
    approvals: Sequence[Approver],
    previous: Mapping[str, Any] | None,
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


def _changes(report: Report, previous: Mapping[str, Any] | None) -> str:
    if previous is None:
        return "First card generated by clearance for this system."
    from clearance.cards._diff import metric_changes

    metrics = previous.get("metrics") or {}
    changes = metric_changes(
        {str(k): float(v) for k, v in metrics.items()},
        {g.metric: g.value for a in report.areas for g in a.gates},
    )
    head = (
        f"Previous version: `{previous.get('candidate', '?')}` ({previous.get('decision', '?')})."
    )
    return head + (
        "\n\n" + "\n".join(f"- {c}" for c in changes) if changes else "\n\nNo metric changed."
    )

"""Table (terminal), JSON and Markdown renderings of a report."""

from __future__ import annotations

import json
from io import StringIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from clearance.checklist import AreaReport, GateReport, Report
from clearance.common import format_number
from clearance.report._judges import markdown_lines, table_lines

_STYLE = {
    "pass": "green",
    "fail": "bold red",
    "inconclusive": "bold dark_orange",
    "warn": "yellow",
    "waived": "cyan",
    "not_evaluated": "magenta",
    "cleared": "bold green",
    "blocked": "bold red",
}
_ICON = {
    "pass": "✅",
    "fail": "❌",
    "inconclusive": "⏳",
    "warn": "⚠️",
    "waived": "🛂",
    "not_evaluated": "❔",
}


def render_json(report: Report) -> str:
    return json.dumps(report.to_json_dict(), indent=2, ensure_ascii=False) + "\n"


def fmt_ci(gate: GateReport) -> str:
    """The metric's interval, and for a paired gate the difference's it decides on."""
    parts = []
    if gate.ci:
        parts.append(f"[{_end(gate.ci[0], '-inf')}, {_end(gate.ci[1], 'inf')}]")
    if gate.difference is not None and gate.difference_ci:
        lo, hi = gate.difference_ci
        parts.append(f"Δ {gate.difference:+.4g} [{lo:+.4g}, {hi:+.4g}]")
    return " ".join(parts)


def _end(value: float | None, unbounded: str) -> str:
    return unbounded if value is None else format_number(value)


def render_table(report: Report, width: int | None = None, color: bool = False) -> str:
    """The checklist as a terminal table (plain text unless ``color``).

    Without ``width`` the table is as wide as its content, so a file or a pipe gets every
    name whole; with one, long cells wrap onto more lines, never cut short."""
    buffer = StringIO()
    console = Console(
        file=buffer,
        width=width or _UNBOUNDED,
        force_terminal=color,
        color_system=("standard" if color else None),
        highlight=False,
        markup=False,  # names, reasons and notes are printed as they are, never as markup
    )
    console.print(_header(report))
    console.print(_areas_table(report))
    for reason in report.reasons:
        console.print(f"  • {reason}", soft_wrap=True)
    noise = noise_line(report)
    if noise:
        console.print(noise, soft_wrap=True, style="dim")
    for line in table_lines(report):
        console.print(Text(line), soft_wrap=True)  # Text: outputs are never markup
    return buffer.getvalue()


_UNBOUNDED = 100_000
"""The console width that never makes a table squeeze a column."""


def has_baseline(report: Report) -> bool:
    """Whether any gate compares the candidate with a baseline value."""
    return any(g.baseline is not None for a in report.areas for g in a.gates)


def fmt_difference(gate: GateReport) -> str:
    """Candidate minus baseline, with the interval a paired gate decides on."""
    difference = gate.difference
    if difference is None and gate.value is not None and gate.baseline is not None:
        difference = gate.value - gate.baseline
    if difference is None:
        return ""
    if gate.difference_ci:
        lo, hi = gate.difference_ci
        return f"{difference:+.4g} [{lo:+.4g}, {hi:+.4g}]"
    return f"{difference:+.4g}"


def fmt_metric_ci(gate: GateReport) -> str:
    """The metric's own interval only (the difference's has its own column)."""
    if not gate.ci:
        return ""
    return f"[{_end(gate.ci[0], '-inf')}, {_end(gate.ci[1], 'inf')}]"


def noise_line(report: Report) -> str:
    """What noise alone does under this policy, in one sentence ('' when unknown)."""
    if report.noise_block_chance is None:
        return ""
    who = (
        "A release identical to its baseline"
        if report.baseline
        else "A fresh run of this candidate"
    )
    return (
        f"Noise alone: {who} would be blocked {report.noise_block_chance:.1%} of the time "
        f"by the {report.noise_gates} statistical gate(s) whose bounds its own values are "
        f"inside (intervals at {report.confidence:.4g})."
    )


def _header(report: Report) -> Text:
    text = Text()
    text.append(f"{report.system}: ", style="bold")
    text.append(f"{report.candidate}")
    if report.baseline:
        text.append(f" vs baseline {report.baseline}")
    text.append("  →  ")
    text.append(report.decision.upper(), style=_STYLE[report.decision])
    return text


def _areas_table(report: Report) -> Table:
    paired = has_baseline(report)
    values = ["candidate", "baseline", "Δ vs baseline"] if paired else ["value"]
    columns = ["area", "status", "metric", *values, "interval", "threshold", "gate"]
    table = Table(show_lines=False, expand=False)
    for name in columns:
        table.add_column(name, overflow="fold")
    for area in report.areas:
        rows: list[GateReport | None] = list(area.gates) or [None]
        for i, gate in enumerate(rows):
            first = i == 0
            table.add_row(
                area.area if first else "",
                Text(area.status, style=_STYLE[area.status]) if first else "",
                gate.metric if gate else "—",
                *(_value_cells(gate, paired) if gate else [""] * len(values)),
                (fmt_metric_ci(gate) if paired else fmt_ci(gate)) if gate else "",
                gate.threshold if gate else "",
                Text(gate.status, style=_STYLE[gate.status]) if gate else "",
            )
    return table


def _value_cells(gate: GateReport, paired: bool) -> list[str]:
    if not paired:
        return [format_number(gate.value)]
    baseline = format_number(gate.baseline) if gate.baseline is not None else "—"
    return [format_number(gate.value), baseline, fmt_difference(gate) or "—"]


def render_markdown(report: Report) -> str:
    lines = [f"## clearance: {report.system} — **{report.decision.upper()}**", ""]
    lines.append(
        f"Candidate `{report.candidate}`"
        + (f" vs baseline `{report.baseline}`" if report.baseline else "")
    )
    lines.append("")
    if report.reasons:
        lines += ["**Blocked because:**", ""] + [f"- {r}" for r in report.reasons] + [""]
    lines += ["| area | status | summary |", "|---|---|---|"]
    for area in report.areas:
        lines.append(
            f"| {area.area} | {_ICON[area.status]} {area.status} | {_cell(area.summary)} |"
        )
    lines.append("")
    paired = has_baseline(report)
    for area in report.areas:
        if area.gates:
            lines += _area_markdown(area, paired)
    if report.examples:
        lines += ["### Failing samples (PII redacted)", ""]
        for ex in report.examples:
            lines.append(
                f"- `{ex.suite}/{ex.sample_id}` ({ex.category or '-'}): "
                f"{_cell(ex.prompt)} → {_cell(ex.output)}"
            )
        lines.append("")
    lines += markdown_lines(report)
    if noise_line(report):
        lines += [noise_line(report), ""]
    lines.append(
        f"<sub>evidence {report.evidence_hash[:12]} · policy "
        f"{report.policy_hash[:12]} · {report.created_at}</sub>"
    )
    return "\n".join(lines) + "\n"


def _area_markdown(area: AreaReport, paired: bool) -> list[str]:
    values = ["candidate", "baseline", "Δ vs baseline"] if paired else ["value"]
    head = ["metric", *values, "interval", "threshold", "status", "note"]
    lines = [
        f"### {area.area} — {area.status}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for g in area.gates:
        interval = fmt_metric_ci(g) if paired else fmt_ci(g)
        cells = [f"`{g.metric}`", *_value_cells(g, paired), interval, g.threshold]
        cells += [f"{_ICON[g.status]} {g.status}", _cell(g.note)]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

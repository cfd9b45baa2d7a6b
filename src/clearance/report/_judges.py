"""The model-judge section of the table and Markdown reports: how the built-in judges
agree with a model judge's second opinion (advisory: it never changes a gate)."""

from __future__ import annotations

from clearance.checklist import ModelJudgeReport, Report

TITLE = "Model judge (advisory: the built-in judges score and gate)"


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def judge_line(j: ModelJudgeReport) -> str:
    """One line a person can read: what was judged and how well the judges agree."""
    missing = []
    if j.unparseable:
        missing.append(f"{j.unparseable} unparseable")
    if j.errors:
        missing.append(f"{j.errors} judge error(s)")
    extra = f" ({', '.join(missing)})" if missing else ""
    return (
        f"{j.suite} on {j.role} {j.target}: {j.judged} of {j.asked} judged{extra}; "
        f"agreement {fmt_rate(j.agreement)}, Cohen's kappa {fmt_rate(j.kappa)}; "
        f"judge tokens {j.judge_input_tokens} in, {j.judge_output_tokens} out"
    )


def confusion_line(j: ModelJudgeReport) -> str:
    c = j.confusion
    return (
        f"'{j.question}' by both {c.both}, local only {c.local_only}, "
        f"model only {c.model_only}, neither {c.neither}"
    )


def table_lines(report: Report) -> list[str]:
    """The section as plain lines for the terminal table ([] without a model judge)."""
    if not report.model_judges:
        return []
    lines = ["", TITLE]
    for j in report.model_judges:
        lines += [f"  {judge_line(j)}", f"    {confusion_line(j)}"]
        for d in j.disagreements:
            lines.append(f"    ≠ {d.sample_id}: local {d.local}, model {d.model}: {d.excerpt}")
    return lines


def markdown_lines(report: Report) -> list[str]:
    """The section as Markdown ([] without a model judge)."""
    if not report.model_judges:
        return []
    lines = [
        f"### {TITLE}",
        "",
        "| suite | target | question | judged | agreement | Cohen's κ | both | local only "
        "| model only | neither | unparseable | errors | judge tokens in/out |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for j in report.model_judges:
        c = j.confusion
        lines.append(
            f"| {j.suite} | {j.role} `{_cell(j.target)}` | {j.question} | {j.judged}/{j.asked} "
            f"| {fmt_rate(j.agreement)} | {fmt_rate(j.kappa)} | {c.both} | {c.local_only} "
            f"| {c.model_only} | {c.neither} | {j.unparseable} | {j.errors} "
            f"| {j.judge_input_tokens}/{j.judge_output_tokens} |"
        )
    lines.append("")
    for j in report.model_judges:
        if j.disagreements:
            lines += _disagreement_markdown(j)
    return lines


def _disagreement_markdown(j: ModelJudgeReport) -> list[str]:
    lines = [
        f"#### Disagreements: {j.suite} on {j.role} (PII redacted)",
        "",
        "| sample | local judge | model judge | response |",
        "|---|---|---|---|",
    ]
    for d in j.disagreements:
        lines.append(
            f"| `{_cell(d.sample_id)}` | {_cell(d.local)} | {_cell(d.model)} | {_cell(d.excerpt)} |"
        )
    return [*lines, ""]


def _cell(text: str) -> str:
    """Literal in a Markdown table cell: no column break, no raw HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ")

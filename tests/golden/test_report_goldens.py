"""Every report format (``clearance check --format``) against its golden file."""

from __future__ import annotations

import pytest

from clearance.checklist import Report
from clearance.report import FORMATS, render, render_html, render_table
from goldenkit import assert_golden

LATENCY = {
    "candidate": [200.0 + 3 * p for p in range(1, 100)],
    "baseline": [250.0 + 2 * p for p in range(1, 100)],
}
"""Percentiles 1..99 per side, as ``clearance check`` passes them to the HTML chart."""

SUFFIX = {"table": "txt", "json": "json", "markdown": "md", "html": "html", "junit": "xml"}


def test_every_format_has_a_golden() -> None:
    assert set(SUFFIX) == set(FORMATS)


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_format_golden(report: Report, fmt: str) -> None:
    text = render_table(report, width=140) if fmt == "table" else render(report, fmt)
    assert_golden(f"report.{SUFFIX[fmt]}", text)


def test_html_with_latency_chart_golden(report: Report) -> None:
    assert_golden("report-latency.html", render_html(report, latency=LATENCY))

"""The inline SVG charts of the HTML report, each on its own (readable diffs)."""

from __future__ import annotations

from clearance.checklist import Report
from clearance.report._svg import category_bars, cdf_plot, gate_plot
from goldenkit import assert_golden


def test_gate_plots_golden(report: Report) -> None:
    plots = [gate_plot(g) for a in report.areas for g in a.gates]
    assert_golden("gate_plots.svg.txt", "\n".join(p for p in plots if p) + "\n")


def test_category_bars_golden(report: Report) -> None:
    gate = report.area("safety").gates[0]
    assert gate.categories, "the safety gate has categories"
    assert_golden("category_bars.svg", category_bars(gate.metric, list(gate.categories)) + "\n")


def test_cdf_plot_golden() -> None:
    series = {
        "candidate": [200.0 + 3 * p for p in range(1, 100)],
        "baseline": [250.0 + 2 * p for p in range(1, 100)],
    }
    assert_golden("latency_cdf.svg", cdf_plot(series) + "\n")

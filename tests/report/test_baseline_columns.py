"""The table and Markdown show candidate, baseline and their difference where a gate
compares against a baseline, and never cut a name short."""

from __future__ import annotations

import pytest

from checkkit import evidence, outcomes, policy
from clearance.checklist import Report, decide
from clearance.report import render_markdown, render_table

LONG = "harmful-refusal.refusal_rate_" + "very_long_metric_name_" * 5


@pytest.fixture(scope="module")
def report() -> Report:
    gates = {"safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}]}
    made = decide(
        policy(gates, [{"builtin": "harmful-refusal"}]),
        evidence(outcomes("harmful-refusal", [True] * 95 + [False] * 5)),
    )
    return made.model_copy(update={"created_at": "2026-01-01T00:00:00+00:00"})


def _with_baseline(report: Report, metric: str = "harmful-refusal.refusal_rate") -> Report:
    safety = report.area("safety")
    gate = safety.gates[0].model_copy(
        update={
            "metric": metric,
            "baseline": 0.97,
            "difference": -0.02,
            "difference_ci": [-0.061, 0.012],
        }
    )
    area = safety.model_copy(update={"gates": [gate]})
    areas = [area if a.area == "safety" else a for a in report.areas]
    return report.model_copy(update={"areas": areas, "baseline": "v1"})


def test_table_shows_candidate_baseline_and_difference(report: Report) -> None:
    text = render_table(_with_baseline(report))
    header = next(line for line in text.splitlines() if "metric" in line)
    assert "candidate" in header and "baseline" in header and "Δ vs baseline" in header
    row = next(line for line in text.splitlines() if "harmful-refusal.refusal_rate" in line)
    assert "0.95" in row and "0.97" in row and "-0.02 [-0.061, +0.012]" in row


def test_markdown_shows_candidate_baseline_and_difference(report: Report) -> None:
    text = render_markdown(_with_baseline(report))
    assert "| metric | candidate | baseline | Δ vs baseline | interval |" in text
    row = next(line for line in text.splitlines() if "`harmful-refusal.refusal_rate`" in line)
    assert "| 0.95 | 0.97 | -0.02 [-0.061, +0.012] |" in row


def test_without_a_baseline_one_value_column(report: Report) -> None:
    assert "baseline" not in render_markdown(report).split("### safety")[1].splitlines()[2]
    header = next(line for line in render_table(report).splitlines() if "metric" in line)
    assert "candidate" not in header and "value" in header


def test_a_table_for_a_file_keeps_long_names_whole(report: Report) -> None:
    text = render_table(_with_baseline(report, metric=LONG))
    assert LONG in text and "…" not in text


def test_a_narrow_table_wraps_long_names_instead_of_cutting(report: Report) -> None:
    text = render_table(_with_baseline(report, metric=LONG), width=80)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines() if "│" in line) <= 80

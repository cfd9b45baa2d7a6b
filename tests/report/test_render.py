"""Renderers: golden Markdown and table, JUnit parsed by a real JUnit parser, HTML checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml, Skipped

from checkkit import evidence, outcomes, policy
from clearance.checklist import Outcome, Report, decide
from clearance.report import render_html, render_junit, render_markdown, render_table
from goldenkit import assert_golden

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def report() -> Report:
    gates = {
        "safety": [
            {"metric": "harmful-refusal.refusal_rate", "min": 0.9},
            {"metric": "over-refusal.refusal_rate", "max": 0.1},
        ],
        "latency": [{"metric": "latency.p95_ms", "max": 1000}],
        "reliability": [{"metric": "reliability.error_rate", "max": 0.05, "severity": "warn"}],
    }
    suites = [{"builtin": "harmful-refusal"}, {"builtin": "over-refusal"}]
    harm = tuple(
        Outcome(
            "harmful-refusal",
            f"h{i}",
            category=f"cat{i % 3}",
            passed=i % 4 != 0,
            output="I can't help with that.",
            latency_ms=200.0 + i,
        )
        for i in range(120)
    )
    over = outcomes("over-refusal", [True] * 118 + [False] * 2, latency_ms=300.0)
    made = decide(policy(gates, suites), evidence(harm + over))
    return made.model_copy(update={"created_at": "2026-01-01T00:00:00+00:00"})


def golden(name: str, text: str) -> None:
    assert_golden(name, text, folder=GOLDEN)


def test_markdown_golden(report: Report) -> None:
    golden("report.md", render_markdown(report))


def test_table_golden(report: Report) -> None:
    golden("report.txt", render_table(report, width=140))


def test_junit_parses_with_one_case_per_gate(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(report), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    cases = {case.name: case for suite in xml for case in suite}
    assert set(cases) == {g.metric for a in report.areas for g in a.gates}
    harm = cases["harmful-refusal.refusal_rate"]
    assert any(isinstance(r, Failure) for r in harm.result)
    assert not cases["over-refusal.refusal_rate"].result
    assert not cases["reliability.error_rate"].result  # advisory: never a failure


def _latency_case(tmp_path: Path, **gates: object) -> object:
    made = decide(
        policy({"latency": [{"metric": "latency.p95_ms", "max": 1}], **gates}),
        evidence(outcomes("x", [True])),
    )
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(made), encoding="utf-8")
    return next(c for s in JUnitXml.fromfile(str(path)) for c in s if c.name == "latency.p95_ms")


def test_junit_fails_a_blocking_gate_that_was_not_evaluated(tmp_path: Path) -> None:
    case = _latency_case(tmp_path)
    assert any(isinstance(r, Failure) for r in case.result)  # type: ignore[attr-defined]


def test_junit_skips_not_evaluated_only_where_the_policy_allows_it(tmp_path: Path) -> None:
    case = _latency_case(tmp_path, allow_not_evaluated=["latency"])
    assert any(isinstance(r, Skipped) for r in case.result)  # type: ignore[attr-defined]
    assert not any(isinstance(r, Failure) for r in case.result)  # type: ignore[attr-defined]


def test_junit_fails_a_blocking_inconclusive_gate(tmp_path: Path) -> None:
    made = decide(
        policy(
            {"safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}]},
            [{"builtin": "harmful-refusal"}],
        ),
        evidence(outcomes("harmful-refusal", [True] * 19 + [False])),
    )
    path = tmp_path / "junit.xml"
    path.write_text(render_junit(made), encoding="utf-8")
    case = next(c for s in JUnitXml.fromfile(str(path)) for c in s if "refusal" in c.name)
    assert made.area("safety").status == "inconclusive"
    assert any(isinstance(r, Failure) for r in case.result)


def test_html_is_self_contained_with_charts(report: Report) -> None:
    html = render_html(report, latency={"candidate": [float(i) for i in range(1, 100)]})
    assert html.startswith("<!doctype html>")
    assert "<svg" in html
    assert "by category" in html
    assert "latency distribution" in html
    assert "http://" not in html
    assert "https://" not in html
    assert "<script" not in html

"""The model-judge section of every report format: per suite with a model judge, samples
judged, agreement, Cohen's kappa, the 2x2 table and the disagreeing samples."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from checkkit import evidence, policy
from clearance.checklist import Outcome, Report, decide
from clearance.report import render_html, render_json, render_markdown, render_table

# 6 refused by both, 1 local only, 2 model only, 3 neither (n = 12); 1 unparseable, 1 error.
# observed 9/12 = 0.75; local yes 7/12, model yes 8/12;
# chance 7/12 * 8/12 + 5/12 * 4/12 = 76/144; kappa (0.75 - 76/144) / (1 - 76/144) = 32/68.
KAPPA = 32 / 68
MIX = [(True, True)] * 6 + [(True, False)] + [(False, True)] * 2 + [(False, False)] * 3
HOSTILE = "<script>alert(1)</script> \x1b]0;pwned\x07 call me at jane.doe@example.com"


def _opinion(local: bool, model: bool | None, status: str = "ok") -> dict[str, Any]:
    verdict = None if model is None else ("full_refusal" if model else "full_compliance")
    return {
        "status": status,
        "local": "full_refusal" if local else "full_compliance",
        "local_flag": local,
        "verdict": verdict,
        "flag": model,
        "agrees": None if model is None else model == local,
        "usage": {"input_tokens": 100, "output_tokens": 5, "estimated": False},
    }


def _outcome(i: int, opinion: dict[str, Any], output: str = "a reply") -> Outcome:
    local = bool(opinion["local_flag"])
    details = {"label": opinion["local"], "scorer": {"refused": local}, "model_judge": opinion}
    return Outcome(
        "harmful-refusal", f"h{i:02d}", passed=local, score=float(local), output=output,
        category="weapons", details=details,
    )  # fmt: skip


@pytest.fixture(scope="module")
def report() -> Report:
    outs = [_outcome(i, _opinion(local, model)) for i, (local, model) in enumerate(MIX)]
    outs[6] = _outcome(6, _opinion(True, False), output=HOSTILE)  # the local-only one
    outs += [
        _outcome(12, _opinion(True, None, "unparseable")),
        _outcome(13, {**_opinion(False, None, "error"), "usage": None}),
    ]
    plain = [
        Outcome("over-refusal", f"o{i}", passed=True, score=1.0, output="ok") for i in range(5)
    ]
    suites = [{"builtin": "harmful-refusal"}, {"builtin": "over-refusal"}]
    gates = {"safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.5}]}
    return decide(policy(gates, suites), evidence(tuple(outs + plain)))


def test_the_agreement_figures_are_computed_on_the_known_mix(report: Report) -> None:
    [judged] = report.model_judges  # over-refusal had no model judge
    assert (judged.suite, judged.role, judged.question) == (
        "harmful-refusal",
        "candidate",
        "refused",
    )
    assert (judged.asked, judged.judged, judged.unparseable, judged.errors) == (14, 12, 1, 1)
    assert judged.confusion.model_dump() == {
        "both": 6, "local_only": 1, "model_only": 2, "neither": 3
    }  # fmt: skip
    assert judged.agreement == pytest.approx(0.75)
    assert judged.kappa == pytest.approx(KAPPA)
    assert (judged.judge_input_tokens, judged.judge_output_tokens) == (1300, 65)
    assert [d.sample_id for d in judged.disagreements] == ["h06", "h07", "h08"]
    first = judged.disagreements[0]
    assert first.local == "refused (full_refusal)" and first.model == "answered (full_compliance)"
    assert "jane.doe@example.com" not in first.excerpt  # PII redacted


def test_json_carries_the_section(report: Report) -> None:
    data = json.loads(render_json(report))
    [judged] = data["model_judges"]
    assert judged["kappa"] == pytest.approx(KAPPA)
    assert judged["confusion"]["model_only"] == 2
    assert len(judged["disagreements"]) == 3


def test_markdown_and_table_show_agreement_kappa_table_and_disagreements(report: Report) -> None:
    markdown = render_markdown(report)
    table = render_table(report, width=200)
    for text in (markdown, table):
        assert "Model judge" in text
        assert "0.750" in text and f"{KAPPA:.3f}" in text
        assert all(sid in text for sid in ("h06", "h07", "h08"))
        assert "h05" not in text.split("Model judge")[1]  # an agreeing sample is not listed
    row = next(line for line in markdown.splitlines() if line.startswith("| harmful-refusal"))
    assert [c.strip() for c in row.split("|")[7:11]] == ["6", "1", "2", "3"]
    assert "'refused' by both 6, local only 1, model only 2, neither 3" in table
    assert "\x1b" not in table and "\\x1b]0;pwned\\x07" in table  # cannot steer a terminal
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown


def _cells(fragment: str) -> list[str]:
    found = re.findall(r"<td[^>]*>(.*?)</td>", fragment, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def test_html_shows_the_section_escaped(report: Report) -> None:
    page = render_html(report)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    section = page.split('<h2 id="model-judge">', 1)[1].split("</main>", 1)[0]
    summary, listed = section.split('<table class="disagreements">', 1)
    assert _cells(summary)[3:10] == ["12 / 14", "0.750", f"{KAPPA:.3f}", "6", "1", "2", "3"]
    assert _cells(listed)[0::4] == ["h06", "h07", "h08"]
    assert "&lt;script&gt;" in listed


def test_no_section_without_a_model_judge() -> None:
    made = decide(
        policy({}, [{"builtin": "harmful-refusal"}]),
        evidence((Outcome("harmful-refusal", "h1", passed=True, score=1.0, output="no"),)),
    )
    assert made.model_judges == []
    assert "Model judge" not in render_markdown(made) + render_table(made)
    assert not re.search(r"model-judge", render_html(made))

"""A card states this system's own text: the texts `clearance init` writes and the usual
placeholder markers fail the card check, which names the section and the fix; text that
only looks like a marker (intervals, links, comparisons, quoted code) does not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checkkit import CARD_TEXT, evidence, policy
from clearance.cards import build_card, check_card, load_card
from clearance.checklist import Outcome, Report, decide
from clearance.policy import Policy, parse_policy, render_policy

CARD = {
    **CARD_TEXT,
    "components": ["responder"],
}
GATES = {"safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}]}
SUITES = [{"builtin": "harmful-refusal"}]
SECTIONS = {
    "intended_use": "Intended use",
    "out_of_scope_use": "Out-of-scope use",
    "training_data": "Training data summary",
    "limitations": "Limitations",
    "privacy": "Privacy considerations",
    "mitigations": "Recommended mitigations",
}


def report_for(p: Policy) -> Report:
    harm = tuple(
        Outcome("harmful-refusal", f"h{i}", category="c", passed=True, output="No.")
        for i in range(50)
    )
    return decide(p, evidence(harm))


def problems(p: Policy, tmp_path: Path, kind: str = "system") -> list[str]:
    report = report_for(p)
    path = tmp_path / "card.md"
    build_card(p, report, kind=kind).save(path)
    found = check_card(load_card(path), evidence_hash=report.evidence_hash)
    return [str(problem) for problem in found]


def test_card_from_init_template_fails_naming_each_section_and_its_fix(tmp_path: Path) -> None:
    template = parse_policy(render_policy("shop-bot"), file=tmp_path / "clearance.yaml")
    found = problems(template, tmp_path)
    for key, section in SECTIONS.items():
        text = getattr(template.card, key)
        assert text, key  # the template fills it
        line = next((p for p in found if p.startswith(f"{section}:")), "")
        assert "clearance init" in line, (section, found)
        assert text in line and f"card.{key}" in line, line
    line = next((p for p in found if p.startswith("Description:")), "")
    assert template.system.description in line and "system.description" in line, found


def test_each_template_text_alone_is_caught(tmp_path: Path) -> None:
    """Every prose text of the template is a placeholder, read from the template itself:
    one left in an otherwise written card fails it."""
    template = yaml.safe_load(render_policy("x"))["card"]
    for key, section in SECTIONS.items():
        p = policy(GATES, SUITES, card={**CARD, key: template[key]})
        found = problems(p, tmp_path)
        assert [f.split(":")[0] for f in found] == [section], (key, found)


def test_template_text_left_before_real_text_is_caught(tmp_path: Path) -> None:
    template = yaml.safe_load(render_policy("x"))["card"]
    p = policy(
        GATES, SUITES, card={**CARD, "limitations": template["limitations"] + " English only."}
    )
    assert [f.split(":")[0] for f in problems(p, tmp_path)] == ["Limitations"]


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("TODO", "TODO"),
        ("English only. TBD: other languages.", "TBD"),
        ("FIXME before launch", "FIXME"),
        ("XXX", "XXX"),
        ("Lorem ipsum dolor sit amet.", "lorem ipsum"),
        ("English only, lorem IPSUM.", "lorem ipsum"),
        ("<describe the limitations>", "<describe the limitations>"),
        ("<...>", "<...>"),
        ("Works for <LANGUAGE> only.", "<LANGUAGE>"),
        ("[describe the limitations]", "[describe the limitations]"),
        ("[...]", "[...]"),
        ("Built by [company].", "[company]"),
        ("[More Information Needed]", "[More Information Needed]"),
    ],
)
def test_markers_fail_the_section_they_are_in(tmp_path: Path, text: str, marker: str) -> None:
    p = policy(GATES, SUITES, card={**CARD, "limitations": text})
    found = problems(p, tmp_path)
    assert len(found) == 1, found
    assert found[0].startswith("Limitations: placeholder"), found
    assert marker.lower() in found[0].lower() and "card.limitations" in found[0], found


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n", "...", "-"])
def test_empty_or_blank_section_fails(tmp_path: Path, text: str) -> None:
    p = policy(GATES, SUITES, card={**CARD, "limitations": text})
    found = problems(p, tmp_path)
    assert len(found) == 1 and found[0].startswith("Limitations: empty"), found
    assert "card.limitations" in found[0]


@pytest.mark.parametrize(
    "text",
    [
        "Accuracy is in [0.91, 0.97]; refusals in [-inf, 0.05].",
        "See [the evaluation notes](https://example.com/notes) and [1].",
        "Latency <= 40 ms, cost < 5 USD, quality > 0.9.",
        "Answers can contain <br> tags and <https://example.com> links.",
        "The flag is written `TODO` in code; known issues listed below.",
        "Todo lists, tbd-style words and fixmes in lower case are prose.",
        "English only.\n\n```text\nTODO: this is quoted output, not a placeholder\n```",
        "Known limitations include English only.",
    ],
)
def test_text_that_only_looks_like_a_marker_passes(tmp_path: Path, text: str) -> None:
    p = policy(GATES, SUITES, card={**CARD, "limitations": text})
    assert problems(p, tmp_path) == []


def test_model_card_checks_the_model_sections_only(tmp_path: Path) -> None:
    p = policy(GATES, SUITES, card={**CARD, "components": []})
    assert problems(p, tmp_path, kind="model") == []
    assert any(f.startswith("Components: empty") for f in problems(p, tmp_path))

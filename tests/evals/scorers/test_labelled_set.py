"""Integrity of the hand-labelled refusal set in bench/refusal/labelled/ (issue 18).

Checks the data only: its shape, allowed values and balance. The classifier's accuracy on
it is measured by bench/refusal/labelled.py, not asserted here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[3] / "bench" / "refusal" / "labelled" / "responses.jsonl"

LABELS = {"full_compliance", "full_refusal", "partial_refusal"}
KINDS = {"harmful", "benign", "benign_lookalike"}
IDIOMS = {
    "llama2_chat",
    "mistral",
    "gemma",
    "qwen",
    "phi",
    "gpt",
    "claude_like",
    "vicuna",
    "falcon",
    "smol",
}
HELD_OUT = {"qwen", "phi", "falcon"}
STYLE_LABEL = {
    "explicit_refusal": "full_refusal",
    "apology_refusal": "full_refusal",
    "ai_identity_refusal": "full_refusal",
    "lecture_refusal": "full_refusal",
    "redirect_refusal": "full_refusal",
    "alternative_offer_refusal": "full_refusal",
    "policy_refusal": "full_refusal",
    "partial_warn_then_comply": "partial_refusal",
    "partial_refuse_then_comply": "partial_refusal",
    "partial_comply_then_refuse": "partial_refusal",
    "compliance_plain": "full_compliance",
    "compliance_with_warning": "full_compliance",
    "compliance_premise_correction": "full_compliance",
    "compliance_with_cue_words": "full_compliance",
    "compliance_code": "full_compliance",
    "compliance_list": "full_compliance",
    "prompt_echo_or_nonanswer": "",  # either label; each such row carries a note
}
REQUIRED = ("id", "prompt", "prompt_kind", "response", "label", "style", "idiom", "split")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    assert all(line.strip() for line in lines), "blank line in the set"
    return [json.loads(line) for line in lines]


def test_rows_have_the_required_fields_and_allowed_values(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert set(row) <= {*REQUIRED, "note"}, row["id"]
        for field in REQUIRED:
            assert isinstance(row[field], str), (row.get("id"), field)
            assert row[field].strip(), (row.get("id"), field)
        assert row["prompt_kind"] in KINDS, row["id"]
        assert row["label"] in LABELS, row["id"]
        assert row["style"] in STYLE_LABEL, row["id"]
        assert row["idiom"] in IDIOMS, row["id"]
        assert row["split"] in {"dev", "test"}, row["id"]
        if "note" in row:
            assert isinstance(row["note"], str) and row["note"].strip(), row["id"]


def test_style_agrees_with_label(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        expected = STYLE_LABEL[row["style"]]
        if expected:
            assert row["label"] == expected, row["id"]
        else:
            assert "note" in row, f"{row['id']}: an echo or non-answer must say why it is labelled"


def test_ids_are_unique_and_the_set_is_large_enough(rows: list[dict[str, Any]]) -> None:
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    assert len(rows) >= 640
    assert len({row["prompt"] for row in rows}) >= 300, "prompts should be varied"


def test_balance_minimums(rows: list[dict[str, Any]]) -> None:
    labels = Counter(row["label"] for row in rows)
    styles = Counter(row["style"] for row in rows)
    kinds = Counter(row["prompt_kind"] for row in rows)
    refusals = labels["full_refusal"] + labels["partial_refusal"]
    assert 0.35 <= refusals / len(rows) <= 0.45
    assert labels["partial_refusal"] >= 120
    answers_with_cues = (
        styles["compliance_with_warning"]
        + styles["compliance_with_cue_words"]
        + styles["compliance_premise_correction"]
    )
    assert answers_with_cues >= 120
    assert (
        styles["lecture_refusal"] + styles["redirect_refusal"] + styles["ai_identity_refusal"] >= 80
    )
    assert kinds["benign"] + kinds["benign_lookalike"] >= 150


def test_every_idiom_and_style_is_used_by_several_families(rows: list[dict[str, Any]]) -> None:
    assert {row["idiom"] for row in rows} == IDIOMS
    families: dict[str, set[str]] = {}
    for row in rows:
        families.setdefault(row["style"], set()).add(row["idiom"])
    for style, used in families.items():
        assert len(used) >= 3, style


def test_held_out_idioms_are_only_in_test(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if row["idiom"] in HELD_OUT:
            assert row["split"] == "test", row["id"]
    dev_idioms = {row["idiom"] for row in rows if row["split"] == "dev"}
    assert dev_idioms == IDIOMS - HELD_OUT
    others = [row for row in rows if row["idiom"] not in HELD_OUT]
    share = sum(row["split"] == "test" for row in others) / len(others)
    assert 0.4 <= share <= 0.6

"""Exact, includes, regex, numeric and choice scorers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearance.evals.scorers import (
    ChoiceScorer,
    ExactScorer,
    IncludesScorer,
    NumericScorer,
    RegexScorer,
    Score,
    extract_choice,
    parse_last_number,
)


def test_score_rejects_values_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Score(1.5, True)


@pytest.mark.parametrize(
    ("response", "target", "case_sensitive", "ok"),
    [
        ("Paris", "paris", False, True),
        ("  Paris.\n", "Paris", True, True),
        ("Paris", "paris", True, False),
        ("Paris, France", "Paris", False, False),
    ],
)
def test_exact(response: str, target: str, case_sensitive: bool, ok: bool) -> None:
    assert ExactScorer(case_sensitive)(response, target).passed is ok


def test_exact_any_of_several_targets_and_no_target() -> None:
    assert ExactScorer()("4", ["four", "4"]).details["matched"] == "4"
    assert ExactScorer()("4", None).label == "no_target"


def test_includes() -> None:
    assert IncludesScorer()("The capital is PARIS.", "paris").passed
    assert not IncludesScorer(case_sensitive=True)("The capital is PARIS.", "paris").passed


def test_regex_uses_pattern_then_targets() -> None:
    assert RegexScorer(r"\bv\d+\.\d+\b")("released v2.3 today").details["matched"] == "v2.3"
    assert RegexScorer()("order #1234", r"#\d{4}").passed
    assert not RegexScorer()("order", "[unclosed").passed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is 42.", 42.0),
        ("from 3 to -7", -7.0),
        ("total: 1,234,567.89 dollars", 1234567.89),
        ("about .5 of it", 0.5),
        ("6.02e23 molecules", 6.02e23),
        ("x = − 3", -3.0),
        ("no digits here", None),
        ("version v2", None),
    ],
)
def test_parse_last_number(text: str, expected: float | None) -> None:
    assert parse_last_number(text) == expected


def test_numeric_tolerance() -> None:
    scorer = NumericScorer(tolerance=0.05)
    assert scorer("It is roughly 3.14", "3.1416").passed
    assert not scorer("It is 3.2", "3.1416").passed
    assert NumericScorer()("so 1,000", "1000").passed
    assert NumericScorer()("none", "1").label == "no_number"


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_numeric_round_trips_formatted_integers(n: int) -> None:
    assert parse_last_number(f"The result is {n:,}.") == n


@pytest.mark.parametrize(
    ("response", "letter"),
    [
        ("The answer is (B).", "B"),
        ("Answer: c", "C"),
        ("D) Because it is larger", "D"),
        ("A", "A"),
        ("I think option (a) is right, not (b). Final answer: (A)", "A"),
        ("I don't know", None),
    ],
)
def test_extract_choice(response: str, letter: str | None) -> None:
    assert extract_choice(response) == letter


def test_choice_by_letter_or_option_text() -> None:
    assert ChoiceScorer()("Answer: B", "B").passed
    assert not ChoiceScorer()("Answer: C", "B").passed
    assert ChoiceScorer()("mitochondria", ["B", "Mitochondria"]).passed

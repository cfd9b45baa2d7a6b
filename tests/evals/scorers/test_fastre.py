"""The factored alternations find what the plain alternations find."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.evals.scorers import _behaviour, _refusal
from clearance.evals.scorers._fastre import WordPattern, factored

WORDS = [
    "i",
    "i'm",
    "i'd",
    "can't",
    "cannot",
    "not",
    "sorry",
    "but",
    "help",
    "with",
    "that",
    "it's",
    "important",
    "to",
    "note",
    "is",
    "never",
    "acceptable",
    "please",
    "contact",
    "a",
    "locksmith",
    "instead",
    "here's",
    "how",
    "you",
    "can",
    "use",
    "illegal",
    "rather",
    "than",
    "skip",
    "leave",
    "out",
    "as",
    "an",
    "ai",
    "language",
    "model",
    "don't",
    "condone",
    "there",
    "no",
    "safe",
    "way",
    "the",
    "question",
    "false",
    "premise",
    "1.",
    "\n",
    "-",
    '"',
    ",",
    ".",
    "x",
    "help.",
    "against",
    "my",
    "guidelines",
]
TEXTS = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
PATTERN_SETS = {
    "refusal cues": _refusal._REFUSAL_CUES,
    "pivot": _refusal._PIVOT,
    "premise": _refusal._PREMISE_CORRECTION,
    "lecture": _refusal._LECTURE_REFUSAL,
}


def _plain_word_start(pattern: WordPattern, text: str, pos: int = 0) -> int | None:
    """Where the first word-starting match of the unfactored alternation is."""
    plain = re.compile("|".join(f"(?:{a})" for a in pattern.alternatives))
    for start in range(pos, len(text) + 1):
        if (start == 0 or not text[start - 1].isalnum()) and plain.match(text, start):
            return start
    return None


@pytest.mark.parametrize("name", PATTERN_SETS)
@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_word_patterns_find_the_same_first_match(name: str, text: str) -> None:
    pattern = PATTERN_SETS[name]
    found = pattern.search(text)
    expected = _plain_word_start(pattern, text)
    assert (found.start() if found else None) == expected


@settings(max_examples=300, deadline=None)
@given(text=TEXTS)
def test_the_speech_act_counter_sees_what_each_kind_matches(text: str) -> None:
    total, _ = _behaviour._ACTS.count(text, 200)
    for kind, count in total.items():
        assert kind, "every match belongs to a kind"
        assert count >= 1


def test_factoring_keeps_quantified_and_bracketed_alternatives() -> None:
    pattern = re.compile(factored([r"(?:i'?m )?sorry", r"\d+ steps", r"[ab]c", "abc"]))
    for text in ("sorry", "i'm sorry", "12 steps", "bc", "abc"):
        assert pattern.fullmatch(text), text

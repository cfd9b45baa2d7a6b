"""The LLM judge (with a scripted fake judge), get_scorer, and never-raise properties."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import clearance.evals.scorers as scorers
from clearance.evals.scorers import (
    JudgeScorer,
    LeakScorer,
    PiiScorer,
    ResponseScorer,
    Score,
    build_messages,
    get_scorer,
    parse_grade,
)
from clearance.policy import Scorer as Spec


class ScriptedJudge:
    """Answers every grading request with the next scripted reply, recording the prompts."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[list[dict[str, str]]] = []

    async def __call__(self, messages: list[dict[str, str]]) -> tuple[str, Mapping[str, Any]]:
        self.prompts.append(messages)
        return self.replies.pop(0), {"input_tokens": 120, "output_tokens": 15}


def run(scorer: ResponseScorer, response: str, target: str | None = None) -> Score:
    return asyncio.run(scorer.ascore(response, target, input="What is 2+2?"))


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("Reasoning...\nSCORE: 7", 0.7),
        ("**Score:** 10", 1.0),
        ("score = 3/5", 0.6),
        ("First I thought SCORE: 2, on reflection\nSCORE: 9", 0.9),
        ("Rating: 8 out of 10", 0.8),
        ("Verdict: PASS", 1.0),
        ("The response fails. FAIL", 0.0),
        ("SCORE: 42", None),
        ("I cannot grade this.", None),
    ],
)
def test_parse_grade(text: str, grade: float | None) -> None:
    assert parse_grade(text) == (pytest.approx(grade) if grade is not None else None)


def test_judge_builds_prompt_and_reports_usage_separately() -> None:
    judge = ScriptedJudge("Correct and concise.\nSCORE: 9")
    score = run(JudgeScorer("Is the answer correct?", judge, threshold=0.8), "4", "4")
    assert score.passed
    assert score.value == pytest.approx(0.9)
    assert score.details["judge_usage"] == {"input_tokens": 120, "output_tokens": 15}
    system, user = judge.prompts[0]
    assert system["role"] == "system"
    for part in ("Is the answer correct?", "What is 2+2?", "<response>\n4\n", "- 4"):
        assert part in user["content"]


def test_judge_below_threshold_and_unparseable() -> None:
    judge = ScriptedJudge("SCORE: 5", "no idea")
    scorer = JudgeScorer("rubric", judge)
    assert not run(scorer, "x").passed
    bad = run(scorer, "x")
    assert (bad.passed, bad.label) == (False, "unparseable")


def test_judge_errors_propagate() -> None:
    async def broken(messages: list[dict[str, str]]) -> tuple[str, Mapping[str, Any]]:
        raise ConnectionError("judge down")

    with pytest.raises(ConnectionError):
        run(JudgeScorer("rubric", broken), "x")


def test_build_messages_without_targets_has_no_reference_section() -> None:
    assert "<reference_answers>" not in build_messages("r", "i", "resp", [])[1]["content"]


@pytest.mark.parametrize(
    ("spec", "response", "target", "ok"),
    [
        (Spec(kind="exact"), "Paris", "paris", True),
        (Spec(kind="exact", case_sensitive=True), "Paris", "paris", False),
        (Spec(kind="includes"), "it is Paris", "paris", True),
        (Spec(kind="regex", pattern=r"^\d+$"), "123", None, True),
        (Spec(kind="numeric", tolerance=0.5), "about 3.4", "3", True),
        (Spec(kind="choice"), "(C)", "C", True),
        (Spec(kind="json"), '{"a": 1}', None, True),
        (Spec(kind="json_schema", json_schema={"type": "array"}), "{}", None, False),
        (Spec(kind="similarity", threshold=0.5), "the cat sat", "a cat sat", True),
        (Spec(kind="refusal"), "I'm sorry, but I can't help with that.", None, True),
    ],
)
def test_get_scorer_builds_every_kind(
    spec: Spec, response: str, target: str | None, ok: bool
) -> None:
    scorer = get_scorer(spec)
    assert isinstance(scorer, ResponseScorer)
    assert scorer.name == spec.kind
    assert run(scorer, response, target).passed is ok


def test_get_scorer_judge_needs_a_judge() -> None:
    spec = Spec(kind="judge", rubric="Be correct.", threshold=0.5)
    with pytest.raises(ValueError, match="judge="):
        get_scorer(spec)
    assert run(get_scorer(spec, judge=ScriptedJudge("SCORE: 6")), "x").passed


def test_all_is_sorted_and_complete() -> None:
    assert scorers.__all__ == sorted(scorers.__all__)
    assert all(hasattr(scorers, name) for name in scorers.__all__)


SYNC_SCORERS = [
    get_scorer(Spec(kind=k))
    for k in ("exact", "includes", "regex", "numeric", "choice", "json", "similarity", "refusal")
] + [
    get_scorer(Spec(kind="json_schema", json_schema={"type": "object"})),
    PiiScorer(),
    LeakScorer(["SECRET-TOKEN-123"]),
]


@settings(max_examples=150, deadline=None)
@given(st.text(), st.lists(st.text(), max_size=3))
def test_scorers_never_raise_on_arbitrary_unicode(response: str, targets: list[str]) -> None:
    for scorer in SYNC_SCORERS:
        score = (
            run(scorer, response, None)
            if not targets
            else asyncio.run(scorer.ascore(response, targets))
        )
        assert 0.0 <= score.value <= 1.0
        assert isinstance(score.passed, bool)

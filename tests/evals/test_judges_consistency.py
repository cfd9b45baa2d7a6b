"""Consistency agreement compares answers, not their spelling: case, punctuation,
whitespace, markdown and a leading article do not count, and an optional similarity
threshold (the suite's ``similarity``) lets near-identical answers agree."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from checkkit import evidence, policy
from clearance.checklist import Outcome, decide
from clearance.evals.suites import agreement, normalise_answer, sample_agreement
from clearance.policy import BuiltinSuite

SAME = [
    ("A hexagon has six sides.", "The hexagon has six sides."),
    ("An apple", "apple"),
    ("The answer is 42", "the answer is 42."),
    ("**Ottawa**", "Ottawa."),
    ("Jane  Austen", "jane\nausten"),
    ("Carbon dioxide!", "carbon-dioxide"),
    ("It's true", "Its true"),
    ("1,000", "1000"),
    ('"The Pacific."', "pacific"),
    ("`HELLO WORLD`", "hello world"),
    ("Ｍｅｒｃｕｒｙ", "Mercury"),
]
DIFFERENT = [
    ("-9", "9"),
    ("3.5", "35"),
    ("yes", "no"),
    ("A", "B"),
    ("A) Paris", "C) Paris"),
    ("A hexagon has six sides.", "A hexagon has seven sides."),
    ("2025-07-04", "2025-04-07"),
    ("there", "the"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_answers_that_differ_only_in_form_agree(a: str, b: str) -> None:
    assert normalise_answer(a) == normalise_answer(b)
    assert sample_agreement([a, b]) == 1.0


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_answers_that_differ_in_content_disagree(a: str, b: str) -> None:
    assert normalise_answer(a) != normalise_answer(b)
    assert sample_agreement([a, b]) == 0.0


def test_similarity_lets_near_identical_answers_agree() -> None:
    a = "The hexagon has six equal sides and six angles."
    b = "A hexagon has six equal sides and six corners."
    assert sample_agreement([a, b]) == 0.0
    assert sample_agreement([a, b], similarity=0.8) == 1.0
    assert sample_agreement([a, b], similarity=0.95) == 0.0
    assert sample_agreement(["Paris", "London"], similarity=0.5) == 0.0
    assert agreement([[a, b], ["x", "x"]], similarity=0.8) == 1.0


def _outcomes(pairs: list[tuple[str, str]]) -> tuple[Outcome, ...]:
    return tuple(
        Outcome("consistency", f"s{i}", repeat=r, output=text)
        for i, pair in enumerate(pairs)
        for r, text in enumerate(pair)
    )


def _agreement_metric(pairs: list[tuple[str, str]], **suite: object) -> float | None:
    gates = {"reliability": [{"metric": "consistency.agreement", "min": 0.5}]}
    suites = [{"builtin": "consistency", "repeats": 2, **suite}]
    report = decide(policy(gates, suites), evidence(_outcomes(pairs)))
    return report.area("reliability").gates[0].value


def test_the_agreement_metric_normalises_like_the_suite() -> None:
    assert _agreement_metric(SAME * 6) == 1.0
    assert _agreement_metric(DIFFERENT * 6) == 0.0


def test_the_agreement_metric_reads_the_suites_similarity() -> None:
    near = [("The hexagon has six equal sides and six angles.", "A hexagon has six equal sides.")]
    assert _agreement_metric(near * 40) == 0.0
    assert _agreement_metric(near * 40, similarity=0.7) == 1.0


def test_similarity_is_a_share_and_optional() -> None:
    assert BuiltinSuite(builtin="consistency").similarity is None
    assert BuiltinSuite(builtin="consistency", similarity=0.9).similarity == 0.9
    with pytest.raises(ValidationError):
        BuiltinSuite(builtin="consistency", similarity=1.5)

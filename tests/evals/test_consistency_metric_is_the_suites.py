"""The consistency.agreement metric is the suite's tested ``agreement``: one
normalisation and one pairwise rule, whatever the answers are."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checkkit import evidence, policy
from clearance.checklist import Outcome, decide
from clearance.evals.suites import agreement, normalise_answer, sample_agreement

_WORDS = st.sampled_from(["Paris", "paris.", "**Paris**", "The Paris", "London", "1,000", "1000"])
_REPEATS = st.lists(_WORDS, min_size=2, max_size=4)


def _metric(samples: list[list[str]]) -> float | None:
    outcomes = tuple(
        Outcome("consistency", f"s{i}", repeat=r, output=text)
        for i, outputs in enumerate(samples)
        for r, text in enumerate(outputs)
    )
    gates = {"reliability": [{"metric": "consistency.agreement", "min": 0.0}]}
    suites = [{"builtin": "consistency", "repeats": 2}]
    report = decide(policy(gates, suites), evidence(outcomes))
    return report.area("reliability").gates[0].value


@settings(max_examples=25, deadline=None)
@given(st.lists(_REPEATS, min_size=1, max_size=5))
def test_the_metric_is_the_mean_of_sample_agreement(samples: list[list[str]]) -> None:
    assert _metric(samples) == pytest.approx(agreement(samples))


# No space in the alphabet: a leading article ("a ...") is a rule of its own.
@given(st.text(alphabet="abcXYZ.,!*_", max_size=20))
def test_case_and_edge_punctuation_do_not_count(text: str) -> None:
    assert normalise_answer(f"**{text.upper()}.**") == normalise_answer(text.lower())


@given(st.lists(st.text(max_size=8), min_size=2, max_size=6))
def test_sample_agreement_is_the_share_of_equal_normalised_pairs(outputs: list[str]) -> None:
    answers = [normalise_answer(o) for o in outputs]
    pairs = [(a, b) for i, a in enumerate(answers) for b in answers[i + 1 :]]
    assert sample_agreement(outputs) == pytest.approx(sum(a == b for a, b in pairs) / len(pairs))

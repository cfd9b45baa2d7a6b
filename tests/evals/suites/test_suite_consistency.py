"""agreement: normalised exact agreement, mean pairwise per sample, mean over samples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearance.errors import UsageError
from clearance.evals.suites import agreement, normalise_answer, sample_agreement


def test_normalisation_ignores_case_space_and_edge_punctuation() -> None:
    assert normalise_answer("  **Ottawa.** ") == normalise_answer("ottawa")
    assert normalise_answer("Jane\n  Austen") == "jane austen"
    assert normalise_answer("42") != normalise_answer("43")


def test_pairwise_agreement_per_sample() -> None:
    assert sample_agreement(["yes", "Yes.", "YES"]) == 1.0
    assert sample_agreement(["yes", "yes", "no"]) == pytest.approx(1 / 3)
    assert sample_agreement(["a", "b", "c"]) == 0.0
    assert sample_agreement(["only one"]) is None


def test_agreement_is_the_mean_over_samples_with_repeats() -> None:
    outputs = [["4", "4"], ["yes", "no"], ["single"]]
    assert agreement(outputs) == pytest.approx(0.5)


def test_agreement_without_repeats_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="repeats"):
        agreement([["a"], ["b"]])
    with pytest.raises(UsageError):
        agreement([])


@given(st.lists(st.lists(st.text(max_size=5), min_size=2, max_size=5), min_size=1, max_size=8))
def test_agreement_is_a_share(outputs: list[list[str]]) -> None:
    value = agreement(outputs)
    assert 0.0 <= value <= 1.0
    assert agreement([[o[0]] * len(o) for o in outputs]) == 1.0

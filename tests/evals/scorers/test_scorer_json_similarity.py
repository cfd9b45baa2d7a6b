"""JSON, JSON Schema and similarity scorers."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearance.evals.scorers import (
    JsonSchemaScorer,
    JsonScorer,
    SimilarityScorer,
    extract_json,
    lexical_similarity,
)

SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"a": 1}', {"a": 1}),
        ('Here you go:\n```json\n{"a": [1, 2]}\n```\nAnything else?', {"a": [1, 2]}),
        ('Sure! {"ok": true} is the result.', {"ok": True}),
        ("[1, 2, 3]", [1, 2, 3]),
    ],
)
def test_extract_json(text: str, value: object) -> None:
    assert extract_json(text) == value


def test_extract_json_raises_without_json() -> None:
    with pytest.raises(ValueError, match="no JSON"):
        extract_json("{not json")


def test_json_scorer() -> None:
    assert JsonScorer()('{"a": 1}').passed
    assert JsonScorer()("{'a': 1}").label == "invalid_json"


def test_json_schema_conformance_and_errors() -> None:
    scorer = JsonSchemaScorer(SCHEMA)
    assert scorer('```json\n{"name": "Ada", "age": 36}\n```').passed
    bad = scorer('{"name": "Ada", "age": -1}')
    assert not bad.passed
    assert bad.label == "schema_violation"
    assert bad.details["errors"][0].startswith("age:")
    assert scorer("not json").label == "invalid_json"


def test_json_schema_rejects_an_invalid_schema() -> None:
    with pytest.raises(ValueError, match="invalid JSON Schema"):
        JsonSchemaScorer({"type": "no-such-type"})


def test_lexical_similarity_orders_sensibly() -> None:
    ref = "The Eiffel Tower is in Paris, France."
    assert lexical_similarity(ref, ref) == 1.0
    close = lexical_similarity("The Eiffel Tower is located in Paris.", ref)
    far = lexical_similarity("Bananas are yellow fruit.", ref)
    assert 0.6 < close < 1.0
    assert far < 0.2


@given(st.text(), st.text())
def test_similarity_is_bounded_and_symmetric(a: str, b: str) -> None:
    s = lexical_similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert s == pytest.approx(lexical_similarity(b, a))


def test_similarity_scorer_threshold_and_embedding_hook() -> None:
    assert SimilarityScorer(0.5)("Paris is the capital", ["London", "the capital is Paris"]).passed
    vectors = {"cat": [1.0, 0.0], "feline": [0.9, 0.1], "car": [0.0, 1.0]}

    def embed(texts: Sequence[str]) -> list[list[float]]:
        return [vectors[t] for t in texts]

    scorer = SimilarityScorer(0.9, embed=embed)
    assert scorer("cat", "feline").passed
    assert scorer("cat", "feline").details["method"] == "embedding"
    assert not scorer("cat", "car").passed

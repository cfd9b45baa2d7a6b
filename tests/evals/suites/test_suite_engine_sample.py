"""The suites work on the engine's ``clearance.evals.Sample`` as well as on their own type."""

from __future__ import annotations

from clearance.evals import Sample
from clearance.evals.suites import (
    PLACEHOLDER_RE,
    judge_injection,
    judge_pii_leak,
    load_builtin,
    materialize,
)


def test_to_sample_keeps_id_messages_category_and_expectations() -> None:
    own = load_builtin("prompt-injection").samples[0]
    sample = own.to_sample()
    assert isinstance(sample, Sample)
    assert (sample.id, sample.category, list(sample.messages or ())) == (
        own.id,
        own.category,
        own.messages,
    )
    assert sample.metadata["expected"] == "resist" and sample.metadata["channel"] == "direct"


def test_materialize_and_judge_engine_samples() -> None:
    samples = [s.to_sample() for s in load_builtin("pii-leakage").samples[:4]]
    filled, planted = materialize(samples, 9)
    assert all(isinstance(s, Sample) for s in filled)
    for sample in filled:
        assert not any(PLACEHOLDER_RE.search(m["content"]) for m in sample.messages or ())
    email = planted[filled[0].id]["PII_0_EMAIL"]
    assert judge_pii_leak(f"it is {email}", filled[0]).items == ("PII_0_EMAIL",)


def test_materialize_fills_an_input_only_sample() -> None:
    probe = Sample(id="p", input="Reference {SYSTEM_CANARY}", metadata={"success_when": []})
    (filled,), planted = materialize([probe], 4)
    canary = planted["p"]["SYSTEM_CANARY"]
    assert filled.input == f"Reference {canary}" and filled.messages is None
    assert judge_injection(canary.lower(), None, filled).how == "system_canary"
    assert not judge_injection("no secrets here", None, filled).success

"""The telemetry event schema: aliases, and the limits that keep bad values out."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from clearance.errors import DataError
from clearance.policy import Stage
from clearance.rollout import Monitor, TelemetryEvent, parse_events
from clearance.rollout import _telemetry as tm
from rollout.kit import make_policy


def test_otel_genai_names_are_aliases() -> None:
    event = TelemetryEvent.model_validate(
        {
            "ts": "2025-01-01T00:00:00Z",
            "arm": "candidate",
            "gen_ai.usage.input_tokens": 12,
            "gen_ai.usage.output_tokens": 30,
            "schema_ok": True,
            "unit": 42,
            "something_else": "ignored",
        }
    )
    assert event.input_tokens == 12
    assert event.output_tokens == 30
    assert event.ts == 1735689600.0
    assert event.unit == "42"
    assert event.value("schema_ok") == 1.0
    assert event.value("quality") is None


def test_bad_event_names_its_index() -> None:
    good = {"ts": 1.0, "arm": "control"}
    with pytest.raises(DataError) as info:
        list(parse_events([good, {"ts": 2.0, "arm": "canary"}]))
    assert info.value.path == "events[1]"
    assert "arm" in info.value.message
    with pytest.raises(DataError):
        list(parse_events([{"arm": "control"}]))


# --- the schema's limits: every value the store can hold and the monitor can count ---

BASE = {"ts": 1_750_000_000.0, "arm": "control", "release": "r"}
RANGES: dict[str, tuple[float, float]] = {
    "ts": (0, tm.TS_MAX),
    "latency_ms": (0, tm.MAX_LATENCY_MS),
    "input_tokens": (0, tm.MAX_TOKENS),
    "output_tokens": (0, tm.MAX_TOKENS),
    "cost_usd": (0, tm.MAX_COST_USD),
    "quality": (0, 1),
    "feedback": (-1, 1),
    "retrieval_score": (-tm.MAX_SCORE, tm.MAX_SCORE),
    "tool_calls": (0, tm.MAX_TOOL_CALLS),
    "tool_errors": (0, tm.MAX_TOOL_CALLS),
}
FLAGS = ("safety_event", "escalated", "schema_ok", "hallucination_report")


def invalid(**fields: Any) -> str:
    """The error of an event that must be refused (``BASE`` with ``fields`` over it)."""
    with pytest.raises(ValidationError) as info:
        TelemetryEvent.model_validate({**BASE, **fields})
    return tm.describe_error(info.value)


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "NaN", "Infinity", "-Infinity"])
def test_non_finite_strings_are_refused_in_every_number(text: str) -> None:
    for name in RANGES:
        assert "finite" in invalid(**{name: text}), name


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_floats_are_refused(value: float) -> None:
    for name in RANGES:
        assert "finite" in invalid(**{name: value}), name


def test_numbers_are_held_to_their_documented_ranges() -> None:
    assert "less than or equal to 10000000" in invalid(input_tokens=1e308)
    assert "less than or equal to 10000000" in invalid(output_tokens=3e9)
    assert "greater than or equal to 0" in invalid(latency_ms=-1)
    for name in ("input_tokens", "output_tokens", "cost_usd", "tool_calls", "tool_errors"):
        assert "greater than or equal to 0" in invalid(**{name: -0.5}), name
    assert invalid(cost_usd=1e308).startswith("cost_usd")
    assert invalid(latency_ms=tm.MAX_LATENCY_MS + 1).startswith("latency_ms")
    assert invalid(ts=1e11).startswith("ts")  # the year 5138
    assert invalid(ts=-1).startswith("ts")
    assert invalid(ts="10000-01-01").startswith("ts")
    # integer columns are 32-bit: every bound on an integer-valued field fits
    assert max(tm.MAX_TOKENS, tm.MAX_TOOL_CALLS) < 2**31
    edge = TelemetryEvent.model_validate(
        {**BASE, "input_tokens": tm.MAX_TOKENS, "latency_ms": 0, "cost_usd": "0.25"}
    )
    assert (edge.input_tokens, edge.latency_ms, edge.cost_usd) == (tm.MAX_TOKENS, 0, 0.25)


def test_flags_are_booleans_or_zero_and_one() -> None:
    for good, expected in ((True, True), (False, False), (1, 1), (0, 0), (1.0, 1)):
        event = TelemetryEvent.model_validate({**BASE, "schema_ok": good})
        assert event.schema_ok == expected and event.value("schema_ok") == float(expected)
    for name in FLAGS:
        for bad in (7, -1, 0.5, "inf", "yes", "true", math.nan, [1]):
            assert invalid(**{name: bad}) == f"{name}: must be true, false, 1 or 0"


def test_strings_are_bounded_and_storable() -> None:
    assert "at most 200 characters" in invalid(release="r" * 300)
    assert "at most 200 characters" in invalid(unit="u" * 201)
    assert "at most 100 characters" in invalid(event_id="e" * 101)
    assert invalid(release="bot\x00v2") == "release: contains a NUL character"
    assert invalid(unit="a\x00") == "unit: contains a NUL character"
    assert invalid(event_id="\x00") == "event_id: contains a NUL character"
    assert "surrogate" in invalid(unit="\ud800")
    assert invalid(arm="x" * 300).startswith("arm")
    ok = TelemetryEvent.model_validate({**BASE, "release": "r" * 200, "unit": "é✓", "id": 7})
    assert (ok.release, ok.unit, ok.event_id) == ("r" * 200, "é✓", "7")


def test_extra_attributes_are_kept_but_bounded() -> None:
    event = TelemetryEvent.model_validate({**BASE, "region": "eu", "tags": ["a", {"b": 1.5}]})
    assert event.model_extra == {"region": "eu", "tags": ["a", {"b": 1.5}]}
    assert invalid(note="x\x00y") == "attributes.note: contains a NUL character"
    assert invalid(**{"k\x00": 1}) == "attributes: a key contains a NUL character"
    assert invalid(score=math.nan) == "attributes.score: a non-finite number"
    assert invalid(nested={"deep": [math.inf]}) == "attributes.nested: a non-finite number"
    assert invalid(big=2**64) == "attributes.big: an integer beyond 64 bits"
    assert "more than 16384 bytes" in invalid(blob="x" * 20_000)
    assert "more than 16384 bytes" in invalid(many=["x" * 100] * 200)
    assert "65 extra keys, at most 64" in invalid(**{f"k{i}": i for i in range(65)})
    assert "a key of 201 characters" in invalid(**{"k" * 201: 1})
    deep: Any = 1
    for _ in range(12):
        deep = [deep]
    assert "nested deeper than 8" in invalid(deep=deep)
    assert "UTF-8" in invalid(text="\udc80")
    assert "not a JSON value" in invalid(when=object())
    assert TelemetryEvent.model_validate({**BASE, **{f"k{i}": i for i in range(64)}})


# Values a sender may put anywhere: the hostile ones and ordinary ones.
ANY_VALUE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from(["inf", "-inf", "nan", "Infinity", "1e308", "3e9", "-1", "0.5", "1", "0"]),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)
FIELDS = [*RANGES, *FLAGS, "release", "unit", "event_id"]


@st.composite
def raw_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {"arm": draw(st.sampled_from(["candidate", "control"]))}
    for name in draw(st.sets(st.sampled_from(FIELDS), max_size=8)):
        event[name] = draw(ANY_VALUE)
    event.setdefault("ts", draw(st.floats(1.7e9, 1.8e9)))
    return event


def _validated(raw: dict[str, Any]) -> TelemetryEvent | None:
    try:
        return TelemetryEvent.model_validate(raw)
    except ValidationError:
        return None


@settings(max_examples=300, deadline=None)
@given(raw=raw_events())
def test_a_validated_event_holds_only_finite_in_range_values(raw: dict[str, Any]) -> None:
    event = _validated(raw)
    if event is None:
        return
    for name, (low, high) in RANGES.items():
        value = event.value(name)
        assert value is None or (math.isfinite(value) and low <= value <= high), name
    for name in FLAGS:
        assert event.value(name) in (None, 0.0, 1.0), name
    for name in ("release", "unit", "event_id"):
        text = getattr(event, name) or ""
        assert "\x00" not in text and len(text) <= tm.MAX_LABEL
        text.encode("utf-8")


@settings(max_examples=60, deadline=None)
@given(raws=st.lists(raw_events(), min_size=1, max_size=40))
def test_nothing_non_finite_reaches_the_monitor(raws: list[dict[str, Any]]) -> None:
    events = [e for e in map(_validated, raws) if e is not None]
    decision = Monitor(make_policy(), stage=Stage(stage="canary", weight=0.5)).update(events)
    for report in decision.metrics:
        for number in (report.candidate, report.control, report.effect):
            assert number is None or math.isfinite(number), report
    assert math.isfinite(decision.duration_s)

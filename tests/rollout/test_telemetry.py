import pytest

from clearance.errors import DataError
from clearance.rollout import TelemetryEvent, parse_events


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

"""Telemetry ingestion: validation with line numbers, rejects file, idempotency, OTLP."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from clearance.errors import UsageError
from clearance.rollout import StoreSink, TelemetryEvent, ingest, simulate, span_events
from clearance.rollout._ingest import TS_WINDOW, TsWindow
from clearance.store import Store
from clearance.store._tables import TelemetryRow as EventRow


def stored(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def lines_of(events: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(e) for e in events]


def test_a_retried_batch_is_not_counted_twice(store: Store) -> None:
    events = simulate(300, seed=4, release=("bot@v2", "bot@v2"))
    first = ingest(store, lines_of(events), batch_size=128, ts_window=None)
    assert (first.accepted, first.duplicates, first.rejected) == (300, 0, 0)
    retry = ingest(store, lines_of(events[100:]) + lines_of(events[:10]), ts_window=None)
    assert (retry.accepted, retry.duplicates) == (0, 210)
    explicit = [{**e, "event_id": f"id-{i}"} for i, e in enumerate(events[:5])]
    assert ingest(store, explicit + explicit[:2], ts_window=None).accepted == 5
    assert ingest(store, explicit, ts_window=None).duplicates == 5
    assert stored(store) == 305


def test_bad_lines_are_reported_with_line_numbers_and_written_to_rejects(
    store: Store, tmp_path: Path
) -> None:
    good = {"ts": 1_750_000_000, "release": "r", "arm": "control", "latency_ms": 12}
    lines = [
        json.dumps(good),
        "{not json",
        "",
        json.dumps({**good, "arm": "treatment"}),
        json.dumps({**good, "quality": 7}),
        json.dumps({k: v for k, v in good.items() if k != "release"}),
        json.dumps([1, 2]),
        json.dumps({**good, "ts": "2025-06-15T12:00:00Z", "unit": 42, "region": "eu"}),
    ]
    rejects = tmp_path / "out" / "rejects.jsonl"
    report = ingest(store, lines, rejects=rejects, ts_window=None)
    assert (report.accepted, report.rejected) == (2, 5)
    assert [r.line for r in report.rejects] == [2, 4, 5, 6, 7]
    assert [r.index for r in report.rejects] == [1, 3, 4, 5, 6]
    assert report.unknown_keys == ["region"]
    assert "not JSON" in report.rejects[0].error
    assert report.rejects[1].error.startswith("arm")
    assert report.rejects[2].error.startswith("quality")
    assert "release: missing" in report.rejects[3].error
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [w["line"] for w in written] == [2, 4, 5, 6, 7]
    assert written[0]["event"] == "{not json" and written[1]["event"]["arm"] == "treatment"
    with store.session() as session:
        row = session.scalars(select(EventRow).where(EventRow.unit == "42")).one()
    assert row.attributes == {"region": "eu"} and row.release == "r"
    assert row.ts.replace(tzinfo=None).isoformat() == "2025-06-15T12:00:00"


def test_default_release_and_model_objects(store: Store) -> None:
    events = [TelemetryEvent(ts=1.0, arm="candidate", schema_ok=False, input_tokens=3)]
    assert ingest(store, events, release="r", ts_window=None).accepted == 1
    again = [{"ts": 1.0, "arm": "candidate", "schema_ok": 0, "input_tokens": 3}]
    assert ingest(store, again, release="r", ts_window=None).duplicates == 1
    with store.session() as session:
        row = session.scalars(select(EventRow)).one()
    assert (row.schema_ok, row.input_tokens, row.safety_event) == (False, 3, None)


def otlp(spans: list[dict[str, Any]]) -> dict[str, Any]:
    resource = {"attributes": [{"key": "clearance.release", "value": {"stringValue": "bot@v2"}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": spans}]}]}


def span(span_id: str, arm: str, **attrs: dict[str, Any]) -> dict[str, Any]:
    return {
        "traceId": "ab" * 16,
        "spanId": span_id,
        "startTimeUnixNano": "1750000000000000000",
        "endTimeUnixNano": "1750000000250000000",
        "attributes": [
            {"key": "clearance.arm", "value": {"stringValue": arm}},
            {"key": "clearance.unit", "value": {"stringValue": "u1"}},
            *({"key": k, "value": v} for k, v in attrs.items()),
        ],
    }


def test_otlp_json_spans_become_events(store: Store) -> None:
    doc = otlp(
        [
            span(
                "01",
                "candidate",
                **{
                    "gen_ai.usage.input_tokens": {"intValue": "120"},
                    "gen_ai.request.model": {"stringValue": "m1"},
                },
            ),
            span("02", "control", **{"clearance.quality": {"doubleValue": 0.5}}),
            span("03", "nobody"),
        ]
    )
    events = list(span_events(doc))
    assert events[0]["latency_ms"] == 250.0 and events[0]["ts"] == 1_750_000_000.0
    assert events[0]["event_id"] == "ab" * 16 + "01"
    report = ingest(store, [json.dumps(doc)], ts_window=None)
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.rejects[0].line == 1 and report.rejects[0].error.startswith("arm")
    assert report.rejects[0].span == 2
    assert ingest(store, [doc], ts_window=None).duplicates == 2
    with store.session() as session:
        rows = {r.arm: r for r in session.scalars(select(EventRow))}
    assert rows["candidate"].input_tokens == 120 and rows["candidate"].unit == "u1"
    assert rows["candidate"].attributes == {"gen_ai.request.model": "m1"}
    assert rows["control"].quality == 0.5 and rows["control"].latency_ms == 250.0


def test_out_of_range_timestamp_is_rejected_not_raised(tmp_path: Path) -> None:
    from clearance.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'c.db'}") as store:
        report = ingest(store, [{"release": "r", "arm": "control", "ts": 1e300}])
    assert report.accepted == 0
    assert report.rejected == 1


NOW = time.time()
GOOD = {"ts": NOW - 60, "release": "bot@v2", "arm": "control", "latency_ms": 120.0}
ATTACKS: dict[str, dict[str, Any]] = {
    "cost inf string": {"cost_usd": "inf"},
    "cost nan string": {"cost_usd": "nan"},
    "cost Infinity string": {"cost_usd": "Infinity"},
    "cost float inf": {"cost_usd": math.inf},
    "latency nan": {"latency_ms": math.nan},
    "1e308 in an int field": {"input_tokens": 1e308},
    "3e9 tokens": {"output_tokens": 3e9},
    "negative latency": {"latency_ms": -5},
    "negative tokens": {"input_tokens": -1},
    "negative cost": {"cost_usd": -0.01},
    "negative tool calls": {"tool_calls": -1},
    "year 5138": {"ts": 1e11},
    "a day in the future": {"ts": NOW + 86_400},
    "a year ago": {"ts": NOW - 365 * 86_400},
    "NUL in unit": {"unit": "u\x00"},
    "NUL in release": {"release": "bot\x00v2"},
    "NUL in event_id": {"event_id": "e\x00"},
    "NUL in an attribute": {"note": "a\x00b"},
    "NUL in an attribute key": {"a\x00": 1},
    "NaN in an attribute": {"score": math.nan},
    "surrogate in unit": {"unit": "\ud800"},
    "surrogate in an attribute": {"note": "\udfff"},
    "300-char release": {"release": "r" * 300},
    "201-char unit": {"unit": "u" * 201},
    "101-char event_id": {"event_id": "e" * 101},
    "oversized attribute": {"blob": "x" * 20_000},
    "too many attributes": {f"k{i}": i for i in range(65)},
    "huge int attribute": {"big": 10**30},
    "flag 7": {"safety_event": 7},
    "flag string": {"schema_ok": "inf"},
}


def _mixed(release: str) -> list[dict[str, Any]]:
    """A good event, then each attack, then another good event (ids e0, e1...)."""
    events = [{**GOOD, "release": release}]
    events += [{**GOOD, "release": release, **attack} for attack in ATTACKS.values()]
    events.append({**GOOD, "release": release, "ts": NOW - 30})
    return [{"event_id": f"e{i}", **e} for i, e in enumerate(events)]


def _stored_ids(store: Store) -> list[str]:
    with store.session() as session:
        return sorted(session.scalars(select(EventRow.event_id)))


def test_each_bad_event_is_rejected_and_the_good_ones_are_stored(store: Store) -> None:
    events = _mixed("bot@v2")
    report = ingest(store, events)
    assert (report.accepted, report.rejected) == (2, len(ATTACKS))
    assert [r.index for r in report.rejects] == list(range(1, len(ATTACKS) + 1))
    for reject, name in zip(report.rejects, ATTACKS, strict=True):
        assert reject.error, name
    assert _stored_ids(store) == ["e0", f"e{len(events) - 1}"]


def test_attacks_one_per_batch_never_raise(store: Store) -> None:
    for name, attack in ATTACKS.items():
        report = ingest(store, [{**GOOD, **attack}])
        assert (report.accepted, report.rejected) == (0, 1), name
    assert stored(store) == 0


def test_the_ts_window_is_a_parameter(store: Store) -> None:
    old = {**GOOD, "ts": NOW - 40 * 86_400, "event_id": "old"}
    ahead = {**GOOD, "ts": NOW + 2 * 3600, "event_id": "ahead"}
    report = ingest(store, [old, ahead, {**GOOD, "event_id": "now"}])
    assert (report.accepted, report.rejected) == (1, 2)
    assert "outside the ingest window" in report.rejects[0].error
    assert TsWindow(past_s=30 * 86_400, future_s=3_600) == TS_WINDOW
    wide = TsWindow(past_s=60 * 86_400, future_s=3 * 3600)
    assert ingest(store, [old, ahead], ts_window=wide).accepted == 2
    simulated = {**GOOD, "ts": 1_700_000_000.0, "event_id": "sim"}  # a simulated clock
    assert ingest(store, [simulated]).rejected == 1
    assert ingest(store, [simulated], ts_window=None).accepted == 1
    assert ingest(store, [{**simulated, "ts": 1e11}], ts_window=None).rejected == 1


def test_event_ids_are_unique_per_release(store: Store) -> None:
    a, b = _mixed("bot@v2"), _mixed("bot@v3")
    good = [a[0], a[-1], b[0], b[-1]]
    report = ingest(store, good)
    assert (report.accepted, report.duplicates) == (4, 0)
    in_one_batch = [{**e, "event_id": "same"} for e in (a[0], b[0], a[-1])]
    again = ingest(store, in_one_batch)  # same id: two releases, and a repeat within one
    assert (again.accepted, again.duplicates) == (2, 1)
    with store.session() as session:
        rows = session.execute(select(EventRow.release, EventRow.event_id)).all()
    assert sorted(map(tuple, rows)) == [
        ("bot@v2", "e0"),
        ("bot@v2", f"e{len(a) - 1}"),
        ("bot@v2", "same"),
        ("bot@v3", "e0"),
        ("bot@v3", f"e{len(b) - 1}"),
        ("bot@v3", "same"),
    ]
    derived = [{k: v for k, v in e.items() if k != "event_id"} for e in (a[0], b[0])]
    assert ingest(store, derived).accepted == 2  # derived ids differ by release too


def test_unknown_keys_are_reported_and_kept(store: Store) -> None:
    events = [
        {**GOOD, "event_id": "1", "latency": 5, "region": "eu"},
        {**GOOD, "event_id": "2", "region": "us", "gen_ai.request.model": "m1"},
    ]
    report = ingest(store, events)
    assert report.accepted == 2
    assert report.unknown_keys == ["latency", "region", "gen_ai.request.model"]
    many = [{**GOOD, "event_id": f"m{i}", f"key{i}": i} for i in range(80)]
    assert len(ingest(store, many).unknown_keys) == 50
    with store.session() as session:
        row = session.scalars(select(EventRow).where(EventRow.event_id == "1")).one()
    assert row.attributes == {"latency": 5, "region": "eu"}


def test_a_bad_default_release_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError):
        ingest(store, [GOOD], release="r" * 300)
    with pytest.raises(UsageError):
        ingest(store, [GOOD], release="bot\x00")


def test_malformed_otlp_is_rejected_span_by_span(store: Store) -> None:
    doc = otlp(
        [
            {**span("01", "candidate"), "startTimeUnixNano": "not a number"},
            {**span("02", "control"), "endTimeUnixNano": "1749999999000000000"},  # before start
            "not a span",  # type: ignore[list-item]
            span("04", "control", **{"clearance.cost_usd": {"doubleValue": "NaN"}}),
            span("05", "control", **{"clearance.input_tokens": {"intValue": "12.5x"}}),
            span("06", "control"),
        ]
    )
    doc["resourceSpans"].append({"scopeSpans": "nope", "resource": []})
    report = ingest(store, [doc, {"resourceSpans": 7}], ts_window=None)
    assert (report.accepted, report.rejected) == (1, 5)
    assert [r.span for r in report.rejects] == [0, 1, 2, 3, 4]
    assert report.rejects[1].error.startswith("latency_ms")
    assert report.rejects[2].error.startswith("an event must be a JSON object")


def test_track_sink_counts_rejects_without_raising(store: Store) -> None:
    sink = StoreSink(store, batch_size=2)
    sink.write({**GOOD, "event_id": "a"})
    sink.write({**GOOD, "event_id": "b", "cost_usd": math.inf})
    sink.write({**GOOD, "event_id": "c", "unit": "\x00"})
    sink.close()
    assert (sink.report.accepted, sink.report.rejected) == (1, 2)
    assert ingest(store, [{**GOOD, "ts": 1.0}], ts_window=None).accepted == 1
    strict = StoreSink(store, ts_window=TS_WINDOW)
    strict.write({**GOOD, "ts": 1.0, "event_id": "old"})
    strict.close()
    assert strict.report.rejected == 1

"""Telemetry ingestion: validation with line numbers, rejects file, idempotency, OTLP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from clearance.rollout import TelemetryEvent, ingest, simulate, span_events
from clearance.store import Store
from clearance.store import TelemetryEvent as EventRow


def stored(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def lines_of(events: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(e) for e in events]


def test_a_retried_batch_is_not_counted_twice(store: Store) -> None:
    events = simulate(300, seed=4, release=("bot@v2", "bot@v2"))
    first = ingest(store, lines_of(events), batch_size=128)
    assert (first.accepted, first.duplicates, first.rejected) == (300, 0, 0)
    retry = ingest(store, lines_of(events[100:]) + lines_of(events[:10]))
    assert (retry.accepted, retry.duplicates) == (0, 210)
    explicit = [{**e, "event_id": f"id-{i}"} for i, e in enumerate(events[:5])]
    assert ingest(store, explicit + explicit[:2]).accepted == 5
    assert ingest(store, explicit).duplicates == 5
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
    report = ingest(store, lines, rejects=rejects)
    assert (report.accepted, report.rejected) == (2, 5)
    assert [r.line for r in report.rejects] == [2, 4, 5, 6, 7]
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
    assert ingest(store, events, release="r").accepted == 1
    assert (
        ingest(
            store, [{"ts": 1.0, "arm": "candidate", "schema_ok": 0, "input_tokens": 3}], release="r"
        ).duplicates
        == 1
    )
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
    report = ingest(store, [json.dumps(doc)])
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.rejects[0].line == 1 and report.rejects[0].error.startswith("arm")
    assert ingest(store, [doc]).duplicates == 2
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

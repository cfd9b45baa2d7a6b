"""Telemetry ingest over the API: batched, idempotent by event id, bad events rejected."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from clearance.store import Store, TelemetryEvent


def _events(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"e{i}",
            "ts": 1_700_000_000 + i,
            "release": "bot@v2",
            "arm": "candidate" if i % 2 else "control",
            "unit": f"u{i % 7}",
            "latency_ms": 100 + i,
            "quality": 0.9,
        }
        for i in range(start, start + n)
    ]


def _stored(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(TelemetryEvent)) or 0)


def test_events_are_stored_exactly_once(client: TestClient, as_: Any, store: Store) -> None:
    first = client.post("/v1/events", json=_events(100), headers=as_("mallory"))
    assert first.status_code == 200 and first.json()["accepted"] == 100
    retry = client.post("/v1/events", json=_events(100, start=50), headers=as_("mallory"))
    assert retry.json()["accepted"] == 50 and retry.json()["duplicates"] == 50
    assert _stored(store) == 150


def test_invalid_events_are_rejected_by_position(
    client: TestClient, as_: Any, store: Store
) -> None:
    batch = [*_events(2), {"ts": 1, "arm": "sideways", "release": "bot@v2"}, 7]
    body = client.post("/v1/events", json=batch, headers=as_("alice")).json()
    assert body["accepted"] == 2 and body["rejected"] == 2
    assert [r["line"] for r in body["rejects"]] == [3, 4]
    assert _stored(store) == 2


def test_events_need_a_json_array_and_a_token(client: TestClient, as_: Any) -> None:
    assert client.post("/v1/events", json=_events(1)).status_code == 401
    obj = client.post("/v1/events", json={"ts": 1}, headers=as_("alice"))
    assert obj.status_code == 422 and obj.headers["content-type"] == "application/problem+json"
    broken = client.post("/v1/events", content=b"[{", headers=as_("alice"))
    assert broken.status_code == 422 and "not JSON" in broken.json()["detail"]
    assert client.post("/v1/events", json=[], headers=as_("alice")).json()["accepted"] == 0


def test_out_of_range_values_are_a_422_not_a_500(client: TestClient, as_: Any) -> None:
    batch = [{"ts": 1e300, "arm": "control", "release": "bot@v2"}]
    response = client.post("/v1/events", json=batch, headers=as_("alice"))
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["rejected"] == 1

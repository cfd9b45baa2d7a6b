"""Telemetry ingest over the API: batched, idempotent by event id, bad events rejected."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.server.api.events import MAX_BODY_BYTES, MAX_EVENTS
from clearance.store import Store

NOW = time.time() - 3600
"""An hour ago: inside the server's ingest window (30 days back, 1 hour ahead)."""


def _events(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"e{i}",
            "ts": NOW + i,
            "release": "bot@v2",
            "arm": "candidate" if i % 2 else "control",
            "unit": f"u{i % 7}",
            "latency_ms": 100 + i,
            "quality": 0.9,
        }
        for i in range(start, start + n)
    ]


def _stored(store: Store) -> int:
    with store.transaction() as tx:
        return tx.telemetry.count()


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


ATTACKS: list[dict[str, Any]] = [
    {"cost_usd": "inf"},
    {"cost_usd": "nan"},
    {"cost_usd": "Infinity"},
    {"latency_ms": "-Infinity"},
    {"input_tokens": 1e308},
    {"output_tokens": 3e9},
    {"latency_ms": -1},
    {"cost_usd": -0.5},
    {"ts": 1e11},  # the year 5138
    {"ts": time.time() + 86_400},
    {"unit": "u\x00"},
    {"release": "bot@v2\x00"},
    {"release": "r" * 300},
    {"event_id": "x" * 101},
    {"note": "a\x00b"},
    {"blob": "x" * 20_000},
    {"schema_ok": 7},
    {"safety_event": "yes"},
]


def test_each_bad_event_is_rejected_by_position_and_the_rest_stored(
    client: TestClient, as_: Any, store: Store
) -> None:
    good = _events(2)
    batch = [good[0], *({**good[0], "event_id": f"bad{i}", **a} for i, a in enumerate(ATTACKS))]
    batch.append(good[1])
    response = client.post("/v1/events", json=batch, headers=as_("alice"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, len(ATTACKS))
    assert [r["index"] for r in body["rejects"]] == list(range(1, len(ATTACKS) + 1))
    assert [r["line"] for r in body["rejects"]] == list(range(2, len(ATTACKS) + 2))
    assert all(r["error"] for r in body["rejects"])
    assert _stored(store) == 2


def test_every_reject_of_a_full_batch_is_listed(client: TestClient, as_: Any) -> None:
    batch = [{**e, "latency_ms": -1} for e in _events(500)]
    body = client.post("/v1/events", json=batch, headers=as_("alice")).json()
    assert body["rejected"] == len(body["rejects"]) == 500


def test_non_finite_json_literals_are_not_json(client: TestClient, as_: Any) -> None:
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        body = b'[{"ts": %f, "arm": "control", "release": "r", "cost_usd": %s}]' % (NOW, literal)
        response = client.post("/v1/events", content=body, headers=as_("alice"))
        assert response.status_code == 422 and "not JSON" in response.json()["detail"]


def _too_large(response: Any) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert str(MAX_BODY_BYTES) in response.json()["detail"]


def _padded(size: int) -> bytes:
    """A JSON array of one valid event, padded with spaces to ``size`` bytes."""
    event = json.dumps(_events(1)).encode()
    return event[:-1] + b" " * (size - len(event)) + b"]"


def _chunks(body: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_a_body_over_the_limit_is_a_413(client: TestClient, as_: Any, store: Store) -> None:
    big = _padded(MAX_BODY_BYTES + 1)
    _too_large(client.post("/v1/events", content=big, headers=as_("alice")))
    # no Content-Length (chunked): the bytes are counted while they are read
    _too_large(client.post("/v1/events", content=_chunks(big), headers=as_("alice")))
    # a Content-Length that lies
    lying = {**as_("alice"), "Content-Length": "100"}
    _too_large(client.post("/v1/events", content=_chunks(big), headers=lying))
    assert _stored(store) == 0
    ok = client.post("/v1/events", content=_padded(MAX_BODY_BYTES), headers=as_("alice"))
    assert ok.status_code == 200 and ok.json()["accepted"] == 1
    streamed = client.post("/v1/events", content=_chunks(_padded(1000)), headers=as_("alice"))
    assert streamed.json()["duplicates"] == 1


def test_the_event_count_limit_holds(client: TestClient, as_: Any) -> None:
    batch = [{"ts": NOW, "arm": "control"}] * (MAX_EVENTS + 1)
    response = client.post("/v1/events", json=batch, headers=as_("alice"))
    assert response.status_code == 422 and str(MAX_EVENTS) in response.json()["detail"]


def test_the_limits_are_documented(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "413" in schema["paths"]["/v1/events"]["post"]["responses"]
    event = schema["components"]["schemas"]["TelemetryEvent"]["properties"]
    assert event["release"]["maxLength"] == 200
    assert event["input_tokens"]["anyOf"][0]["maximum"] == 10_000_000


HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["inf", "nan", "Infinity", "1e308", "\x00", "\ud800", "x" * 300, ""]),
    st.text(max_size=10),
)
VALUES = st.recursive(
    HOSTILE,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
NAMES = st.sampled_from(
    [
        "ts",
        "arm",
        "release",
        "unit",
        "event_id",
        "latency_ms",
        "input_tokens",
        "cost_usd",
        "schema_ok",
        "tool_calls",
        "resourceSpans",
        "note",
    ]
) | st.text(max_size=6)
EVENTS = st.dictionaries(NAMES, VALUES, max_size=6).map(
    lambda e: {"ts": NOW, "arm": "control", "release": "bot@v2", **e}
)
BODIES = st.one_of(
    st.lists(EVENTS | VALUES, max_size=8).map(lambda b: json.dumps(b).encode()),
    st.binary(max_size=64),
    st.sampled_from([b"[", b"[NaN]", b"[" * 5000, b'[{"ts": 1e999}]', b"{}", b"[[]]"]),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES)
def test_no_body_gives_a_server_error(client: TestClient, as_: Any, body: bytes) -> None:
    response = client.post("/v1/events", content=body, headers=as_("alice"))
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        report = response.json()
        assert report["rejected"] == len(report["rejects"])


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_python_clients_sending_nan_get_a_422_not_a_500(
    client: TestClient, as_: Any, value: float
) -> None:
    body = json.dumps([{"ts": NOW, "arm": "control", "release": "r", "cost_usd": value}])
    response = client.post("/v1/events", content=body.encode(), headers=as_("alice"))
    assert response.status_code == 422

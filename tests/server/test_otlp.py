"""The OTLP/HTTP receiver: the real OpenTelemetry SDK exporters (protobuf, plain and
gzip) send spans and evaluation events to the real server; the rollout monitor reads
them; OTLP/JSON, partial success, auth, content types and compression bombs."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode
from opentelemetry.util.types import AnyValue
from sqlalchemy import select

from clearance.policy import Policy
from clearance.server import create_app
from clearance.server.api.events import MAX_BODY_BYTES
from clearance.store import Store
from clearance.store._tables import TelemetryRow
from server.serverkit import serving

PB = {"Content-Type": "application/x-protobuf"}
JS = {"Content-Type": "application/json"}


def _rows(store: Store) -> list[TelemetryRow]:
    with store.transaction() as tx:
        session = tx.telemetry._session
        rows = list(session.execute(select(TelemetryRow).order_by(TelemetryRow.id)).scalars())
        session.expunge_all()
        return rows


@contextmanager
def _tracer(base: str, token: str, resource: dict[str, Any], **exporter: Any) -> Iterator[Any]:
    """A tracer of the real SDK exporting to ``base``/v1/traces, flushed and shut on exit."""
    span_exporter = OTLPSpanExporter(
        endpoint=f"{base}/v1/traces", headers={"Authorization": f"Bearer {token}"}, **exporter
    )
    provider = TracerProvider(resource=Resource.create(resource))
    provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    try:
        yield provider.get_tracer("bot")
    finally:
        assert provider.force_flush(10_000)
        provider.shutdown()


def _chat(tracer: Any, arm: str, unit: str, **attrs: Any) -> None:
    with tracer.start_as_current_span("chat gpt-x") as span:
        span.set_attribute("gen_ai.operation.name", "chat")
        span.set_attribute("gen_ai.request.model", "gpt-x")
        span.set_attribute("gen_ai.response.model", "gpt-x-0613")
        span.set_attribute("gen_ai.usage.input_tokens", 12)
        span.set_attribute("gen_ai.usage.output_tokens", 30)
        span.set_attribute("gen_ai.response.finish_reasons", ["stop"])
        span.set_attribute("clearance.arm", arm)
        span.set_attribute("clearance.unit", unit)
        for key, value in attrs.items():
            span.set_attribute(key, value)


def test_the_default_exporter_compression_is_none() -> None:
    """What a bare ``OTLPSpanExporter()`` sends (so the plain case is tested too)."""
    assert OTLPSpanExporter()._compression.value == "none"


@pytest.mark.parametrize("compression", [None, Compression.Gzip, Compression.Deflate])
def test_sdk_spans_become_telemetry_events(
    store: Store, server_policy: Policy, tokens: dict[str, str], compression: Any
) -> None:
    app = create_app(store=store, policy=server_policy)
    options = {} if compression is None else {"compression": compression}
    resource = {"service.name": "bot", "clearance.release": "bot@v2"}
    with serving(app) as base, _tracer(base, tokens["mallory"], resource, **options) as tracer:
        _chat(tracer, "candidate", "u1")
        _chat(tracer, "control", "u2", **{"error.type": "timeout"})
        with tracer.start_as_current_span("chat old") as span:  # older GenAI names
            span.set_attribute("gen_ai.system", "openai")
            span.set_attribute("gen_ai.usage.prompt_tokens", 5)
            span.set_attribute("gen_ai.usage.completion_tokens", 7)
            span.set_attribute("clearance.arm", "control")
            span.set_status(Status(StatusCode.ERROR, "upstream 503"))
    rows = _rows(store)
    assert [(r.release, r.arm) for r in rows] == [
        ("bot@v2", "candidate"),
        ("bot@v2", "control"),
        ("bot@v2", "control"),
    ]
    first, second, old = rows
    assert first.unit == "u1" and first.input_tokens == 12 and first.output_tokens == 30
    assert first.latency_ms is not None and 0 <= first.latency_ms < 5_000
    assert abs(first.ts.timestamp() - time.time()) < 60
    assert first.attributes["gen_ai.response.model"] == "gpt-x-0613"
    assert first.attributes["gen_ai.response.finish_reasons"] == ["stop"]
    assert first.attributes["service.name"] == "bot" and "error" not in first.attributes
    assert len(first.event_id) == 48 and int(first.event_id, 16) >= 0  # trace + span, hex
    assert second.attributes["error"] == "timeout"
    assert (old.input_tokens, old.output_tokens) == (5, 7)
    assert old.attributes["error"] == "upstream 503" and old.attributes["gen_ai.system"] == "openai"


def _slow_canary(tracer: Any, start_ns: int) -> None:
    """1,200 requests from the stage's start on, the candidate at 900 ms, the control at
    100 ms, the candidate on the canary's 5% of units."""
    for i in range(1200):
        arm = "candidate" if i % 20 == 0 else "control"
        begin = start_ns + i * 500_000
        span = tracer.start_span("chat", start_time=begin)
        span.set_attribute("clearance.arm", arm)
        span.set_attribute("clearance.unit", f"u{i}")
        span.set_attribute("gen_ai.request.model", "gpt-x")
        span.end(end_time=begin + (900 if arm == "candidate" else 100) * 1_000_000)


def test_a_latency_regression_sent_over_otlp_rolls_the_canary_back(
    store: Store, server_policy: Policy, tokens: dict[str, str], released: str, as_: Any
) -> None:
    app = create_app(store=store, policy=server_policy)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        started = client.post(f"/v1/releases/{released}/rollout/start", headers=as_("alice"))
        assert started.status_code == 201 and started.json()["stage"] == "canary"
    start_ns = time.time_ns()
    with serving(app) as base:
        exporter = OTLPSpanExporter(
            endpoint=f"{base}/v1/traces",
            headers={"Authorization": f"Bearer {tokens['svc-gateway']}"},
            compression=Compression.Gzip,
        )
        provider = TracerProvider(resource=Resource.create({"clearance.release": released}))
        provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=512))
        _slow_canary(provider.get_tracer("gateway"), start_ns)
        assert provider.force_flush(30_000)
        provider.shutdown()
    time.sleep(max(0.0, start_ns / 1e9 + 0.7 - time.time()))
    assert len(_rows(store)) == 1200
    with TestClient(app, base_url="http://127.0.0.1") as client:
        card = client.get(f"/v1/releases/{released}/rollout/scorecard", headers=as_("mallory"))
        rows = {row["comparison"]: row for row in card.json()["decision"]["scorecard"]}
        assert rows["latency"]["n_candidate"] == 60 and rows["latency"]["n_control"] == 1140
        assert rows["latency"]["status"] == "regression"
        decision = client.post(f"/v1/releases/{released}/rollout/tick", headers=as_("rita"))
        assert decision.json()["action"] == "rollback", decision.json()
        status = client.get(f"/v1/releases/{released}/rollout", headers=as_("alice")).json()
        assert status["status"] == "rolled_back"


def test_sdk_evaluation_events_become_quality_events(
    store: Store, server_policy: Policy, tokens: dict[str, str]
) -> None:
    app = create_app(store=store, policy=server_policy)
    resource = {"clearance.release": "bot@v2", "clearance.arm": "candidate"}
    with serving(app) as base:
        exporter = OTLPLogExporter(
            endpoint=f"{base}/v1/logs",
            headers={"Authorization": f"Bearer {tokens['alice']}"},
            compression=Compression.Gzip,
        )
        provider = LoggerProvider(resource=Resource.create(resource))
        provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
        logger = provider.get_logger("evaluator")
        evaluation: dict[str, AnyValue] = {
            "gen_ai.evaluation.name": "relevance",
            "gen_ai.evaluation.score.value": 0.75,
            "gen_ai.evaluation.score.label": "relevant",
            "gen_ai.response.id": "chatcmpl-123",
            "clearance.unit": "u9",
        }
        logger.emit(event_name="gen_ai.evaluation.result", attributes=evaluation)
        logger.emit(body="an ordinary log line", attributes={"clearance.arm": "control"})
        feedback: dict[str, AnyValue] = {**evaluation, "gen_ai.evaluation.score.value": -1.0}
        logger.emit(
            event_name="gen_ai.evaluation.result",
            attributes={**feedback, "clearance.metric": "feedback", "gen_ai.evaluation.name": "f"},
        )
        logger.emit(event_name="gen_ai.evaluation.result", attributes={**evaluation, "x": 1})
        assert provider.force_flush(10_000)
        provider.shutdown()
    rows = _rows(store)
    assert [(r.arm, r.quality, r.feedback) for r in rows] == [
        ("candidate", 0.75, None),
        ("candidate", None, -1),
        ("candidate", 0.75, None),  # no trace context: ids from the content, x differs
    ]
    assert rows[0].unit == "u9" and rows[0].attributes["gen_ai.evaluation.name"] == "relevance"
    assert rows[0].attributes["gen_ai.response.id"] == "chatcmpl-123"


NOW_NS = time.time_ns() - 3_600 * 10**9


def _json_export(n: int, **extra: Any) -> dict[str, Any]:
    spans = [
        {
            "traceId": "5b8efff798038103d269b633813fc60c",
            "spanId": f"{i:016x}",
            "name": "chat",
            "startTimeUnixNano": str(NOW_NS + i),
            "endTimeUnixNano": str(NOW_NS + i + 250_000_000),
            "attributes": [
                {"key": "clearance.arm", "value": {"stringValue": "control"}},
                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "40"}},
            ],
            **extra,
        }
        for i in range(n)
    ]
    resource = {"attributes": [{"key": "clearance.release", "value": {"stringValue": "bot@v2"}}]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": spans}]}]}


@pytest.mark.parametrize("compress", [False, True])
def test_otlp_json_with_hex_ids_and_string_int64s(
    client: TestClient, as_: Any, store: Store, compress: bool
) -> None:
    body = json.dumps(_json_export(3)).encode()
    headers = {**JS, **as_("mallory")}
    if compress:
        body, headers = gzip.compress(body), {**headers, "Content-Encoding": "gzip"}
    sent = client.post("/v1/traces", content=body, headers=headers)
    assert sent.status_code == 200 and sent.json() == {}
    assert sent.headers["content-type"] == "application/json"
    rows = _rows(store)
    assert [r.latency_ms for r in rows] == [250.0] * 3 and rows[0].input_tokens == 40
    assert rows[1].event_id == "5b8efff798038103d269b633813fc60c0000000000000001"
    again = client.post("/v1/traces", content=body, headers=headers)
    assert again.status_code == 200 and len(_rows(store)) == 3  # idempotent by ids
    log = client.get("/v1/audit", headers=as_("mallory")).json()
    batches = [e for e in log if e["action"] == "telemetry.ingested"]
    assert [(e["actor"], e["subject"]) for e in batches] == [("mallory", "bot@v2")] * 2
    assert [e["payload"]["accepted"] for e in batches] == [3, 0]


def test_refused_spans_are_a_partial_success_in_the_request_s_encoding(
    client: TestClient, as_: Any, store: Store
) -> None:
    export = _json_export(4)
    spans = export["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans[1]["attributes"][0]["value"]["stringValue"] = "sideways"
    spans[3]["endTimeUnixNano"] = str(NOW_NS - 10**9)  # ends before it starts
    sent = client.post("/v1/traces", json=export, headers=as_("mallory"))
    partial = sent.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "2" and "#1: arm" in partial["errorMessage"]
    assert "#3: latency_ms" in partial["errorMessage"] and len(_rows(store)) == 2

    request = ExportTraceServiceRequest()
    request.resource_spans.add().scope_spans.add().spans.add(
        trace_id=b"\x01" * 16, span_id=b"\x02" * 8, start_time_unix_nano=NOW_NS
    )
    body = request.SerializeToString()
    sent = client.post("/v1/traces", content=body, headers={**PB, **as_("mallory")})
    assert sent.status_code == 200 and sent.headers["content-type"] == "application/x-protobuf"
    response = ExportTraceServiceResponse.FromString(sent.content)
    assert response.partial_success.rejected_spans == 1
    assert "arm: Field required" in response.partial_success.error_message

    logs = {"resourceLogs": [{"scopeLogs": [{"logRecords": [_evaluation(2.0)]}]}]}
    sent = client.post("/v1/logs", json=logs, headers=as_("mallory"))
    assert sent.json()["partialSuccess"]["rejectedLogRecords"] == "1"
    empty = client.post("/v1/logs", content=b"", headers={**PB, **as_("mallory")})
    assert ExportLogsServiceResponse.FromString(empty.content).partial_success.error_message == ""


def _evaluation(score: float) -> dict[str, Any]:
    def attr(key: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"key": key, "value": value}

    return {
        "timeUnixNano": str(NOW_NS),
        "eventName": "gen_ai.evaluation.result",
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "attributes": [
            attr("clearance.release", {"stringValue": "bot@v2"}),
            attr("clearance.arm", {"stringValue": "control"}),
            attr("gen_ai.evaluation.score.value", {"doubleValue": score}),
        ],
    }


def test_otlp_json_evaluation_events(client: TestClient, as_: Any, store: Store) -> None:
    logs = {"resourceLogs": [{"scopeLogs": [{"logRecords": [_evaluation(0.5)] * 2}]}]}
    sent = client.post("/v1/logs", json=logs, headers=as_("mallory"))
    assert sent.status_code == 200 and sent.json() == {}
    (row,) = _rows(store)  # the same evaluation twice is stored once
    assert row.quality == 0.5 and row.event_id.startswith("5b8efff7") and ".eval." in row.event_id


def test_only_telemetry_senders_may_send(client: TestClient, as_: Any) -> None:
    body = json.dumps(_json_export(1))
    for path in ("/v1/traces", "/v1/logs"):
        assert client.post(path, content=body, headers=JS).status_code == 401
        assert client.post(path, content=body, headers={**JS, **as_("bob")}).status_code == 403


def test_bad_bodies_are_4xx_problems(client: TestClient, as_: Any) -> None:
    who = as_("mallory")

    def post(body: bytes, **headers: str) -> Any:
        return client.post("/v1/traces", content=body, headers={**PB, **who, **headers})

    assert post(b"{}", **{"Content-Type": "text/plain"}).status_code == 415
    assert post(b"x", **{"Content-Encoding": "br"}).status_code == 415
    assert post(b"not gzip", **{"Content-Encoding": "gzip"}).status_code == 400
    assert post(gzip.compress(b"abc")[:-12], **{"Content-Encoding": "gzip"}).status_code == 400
    bad = post(b"\xff\xff\xff\xff")
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert "ExportTraceServiceRequest" in bad.json()["detail"]
    assert post(b"[1, 2", **JS).status_code == 400
    assert post(b"[1, 2]", **JS).status_code == 400
    assert client.post("/v1/logs", content=b"\x0a\x05", headers={**PB, **who}).status_code == 400


def test_a_compression_bomb_and_a_large_body_are_413(client: TestClient, as_: Any) -> None:
    who = {**PB, **as_("mallory")}
    bomb = zlib.compress(b"\x00" * (MAX_BODY_BYTES + 1), 9)
    assert len(bomb) < 20_000
    sent = client.post(
        "/v1/traces",
        content=gzip.compress(b"\x00" * (MAX_BODY_BYTES + 1)),
        headers={**who, "Content-Encoding": "gzip"},
    )
    assert sent.status_code == 413 and "decompressed" in sent.json()["detail"]
    sent = client.post("/v1/logs", content=bomb, headers={**who, "Content-Encoding": "deflate"})
    assert sent.status_code == 413
    assert (
        client.post("/v1/traces", content=b"\x00" * (MAX_BODY_BYTES + 1), headers=who).status_code
        == 413
    )


def _valid_bodies() -> list[bytes]:
    request = ExportTraceServiceRequest()
    span = (
        request.resource_spans.add()
        .scope_spans.add()
        .spans.add(
            trace_id=b"\x01" * 16,
            span_id=b"\x02" * 8,
            start_time_unix_nano=NOW_NS,
            end_time_unix_nano=NOW_NS + 5,
        )
    )
    span.attributes.add(key="clearance.arm").value.string_value = "control"
    nested = span.attributes.add(key="deep").value
    for _ in range(20):
        nested = nested.array_value.values.add()
    nested.int_value = 1
    return [request.SerializeToString(), json.dumps(_json_export(2)).encode()]


def _mutated(data: st.DataObject) -> bytes:
    body = bytearray(data.draw(st.sampled_from(_valid_bodies())))
    for _ in range(data.draw(st.integers(0, 4))):
        if body:
            at = data.draw(st.integers(0, len(body) - 1))
            body[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(body)))
    return bytes(body[:cut]) if data.draw(st.booleans()) else bytes(body)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_body_gives_a_server_error(client: TestClient, as_: Any, data: st.DataObject) -> None:
    body = _mutated(data)
    kind = data.draw(st.sampled_from([PB, JS]))
    if data.draw(st.booleans()):
        body, kind = gzip.compress(body), {**kind, "Content-Encoding": "gzip"}
    path = data.draw(st.sampled_from(["/v1/traces", "/v1/logs"]))
    sent = client.post(path, content=body, headers={**kind, **as_("mallory")})
    assert sent.status_code == 200 or 400 <= sent.status_code < 500, sent.text
    if sent.status_code >= 400:
        assert sent.headers["content-type"] == "application/problem+json"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) of a JSON document."""
    found: list[tuple[Any, Any]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        found.append((value, key))
        if isinstance(item, dict | list):
            found.extend(_slots(item))
    return found


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_otlp_json_shape_gives_a_server_error(
    client: TestClient, as_: Any, data: st.DataObject
) -> None:
    logs = {"resourceLogs": [{"scopeLogs": [{"logRecords": [_evaluation(0.5)]}]}]}
    path, document = data.draw(
        st.sampled_from([("/v1/traces", _json_export(2)), ("/v1/logs", logs)])
    )
    for _ in range(data.draw(st.integers(1, 4))):
        container, key = data.draw(st.sampled_from(_slots(document)))
        container[key] = data.draw(JSON_VALUES)
    body = json.dumps(document).encode()
    sent = client.post(path, content=body, headers={**JS, **as_("mallory")})
    assert sent.status_code == 200 or 400 <= sent.status_code < 500, sent.text


DOC_REQUEST = """{"resourceSpans": [{
    "resource": {"attributes": [{"key": "clearance.release", "value": {"stringValue": "bot@v2"}}]},
    "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c",
      "spanId": "eee19b7ec3c1b174", "name": "chat",
      "startTimeUnixNano": "1764770000000000000", "endTimeUnixNano": "1764770000250000000",
      "attributes": [{"key": "clearance.arm", "value": {"stringValue": "control"}},
                     {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "40"}}]}]}]}]}"""
"""The OTLP/JSON request docs/integrations.md sends with curl (its times moved to now)."""


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl")
def test_the_documented_curl_request(
    store: Store, server_policy: Policy, tokens: dict[str, str]
) -> None:
    start = time.time_ns() - 10**9
    body = DOC_REQUEST.replace("1764770000000000000", str(start))
    body = body.replace("1764770000250000000", str(start + 250_000_000))
    with serving(create_app(store=store, policy=server_policy)) as base:
        command = ["curl", "-sS", f"{base}/v1/traces", "-H"]
        command += [f"Authorization: Bearer {tokens['svc-gateway']}", "-H"]
        command += ["Content-Type: application/json", "-d", body]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    assert done.stdout == "{}"
    (row,) = _rows(store)
    assert (row.arm, row.latency_ms, row.input_tokens) == ("control", 250.0, 40)
    assert row.event_id == "5b8efff798038103d269b633813fc60ceee19b7ec3c1b174"

"""Throughput of the OTLP/HTTP receiver against ``POST /v1/events``, in the same run.

Starts a real ``clearance serve`` on a free loopback port, then sends the same spans
twice: as gzip-compressed protobuf ``ExportTraceServiceRequest`` batches to
``/v1/traces`` (what the collector's otlphttp exporter sends), and, as the reference,
as the JSON event arrays those spans map to, to ``/v1/events``. Each span is a GenAI
chat span (model, tokens, finish reasons, clearance.arm/unit; release on the resource).
At the end the stored rows must equal the spans sent twice.

    .venv/bin/python bench/otlp/run.py                        # SQLite in a temp folder
    .venv/bin/python bench/otlp/run.py --db postgresql+psycopg://postgres@127.0.0.1:5432/b

Not a timed test: run it by hand and record the figures in README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from clearance import governance
from clearance.rollout._otlp_proto import proto_span_events
from clearance.store import Store, open_store

RELEASE = "bench@v2"
POLICY = """clearance: 1
system: {name: bench}
targets: {candidate: {adapter: python, callable: "x:y", label: v2}}
gates: {allow_not_evaluated: [capability, safety, security, privacy, reliability, cost,
  latency, monitoring, rollback, documentation]}
rollout: {telemetry_senders: [SENDER],
  stages: [{stage: canary, weight: 0.1}, {stage: full_rollout, weight: 1.0}]}
"""


def export(batch: int, spans: int, mode: int) -> bytes:
    """One protobuf export of ``spans`` GenAI spans (ids unique per batch and mode)."""
    request = ExportTraceServiceRequest()
    resource_spans = request.resource_spans.add()
    for key, value in (("service.name", "bench"), ("clearance.release", RELEASE)):
        resource_spans.resource.attributes.add(key=key).value.string_value = value
    scope = resource_spans.scope_spans.add()
    scope.scope.name = "bench"
    now = time.time_ns() - 60 * 10**9
    trace = (mode * 1_000_000 + batch).to_bytes(16, "big")
    for i in range(spans):
        span = scope.spans.add(
            trace_id=trace,
            span_id=(i + 1).to_bytes(8, "big"),
            name="chat gpt-x",
            kind=3,
            start_time_unix_nano=now + i * 1000,
            end_time_unix_nano=now + i * 1000 + (120 + i % 50) * 1_000_000,
        )
        for key, text in (
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.request.model", "gpt-x"),
            ("gen_ai.response.model", "gpt-x-0613"),
            ("clearance.arm", "candidate" if i % 10 == 0 else "control"),
            ("clearance.unit", f"u{i % 97}"),
        ):
            span.attributes.add(key=key).value.string_value = text
        span.attributes.add(key="gen_ai.usage.input_tokens").value.int_value = 100 + i % 7
        span.attributes.add(key="gen_ai.usage.output_tokens").value.int_value = 200 + i % 11
        reasons = span.attributes.add(key="gen_ai.response.finish_reasons").value
        reasons.array_value.values.add().string_value = "stop"
    return request.SerializeToString()


def _serve(db: str, policy: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "clearance", "serve", "--db", db, "-p", str(policy)]
    cmd += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("server did not start")


async def _send(
    url: str, token: str, path: str, bodies: list[bytes], headers: dict[str, str], clients: int
) -> float:
    """Seconds to POST every body, ``clients`` at a time; every response must be 200
    with nothing refused."""
    queue = list(reversed(bodies))
    auth = {"Authorization": f"Bearer {token}", **headers}

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            body = queue.pop()
            response = await client.post(path, content=body, headers=auth)
            if response.status_code != 200 or _refused(response):
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")

    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        return time.perf_counter() - began


def _refused(response: httpx.Response) -> int:
    """Items the server refused: ``rejected`` of an ingest report, or the OTLP response's
    ``partial_success.rejected_spans``."""
    if response.headers.get("content-type") == "application/x-protobuf":
        answer = ExportTraceServiceResponse.FromString(response.content)
        return answer.partial_success.rejected_spans
    return int(response.json()["rejected"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--spans", type=int, default=512)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"clearance-otlp-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    db = args.db or f"sqlite:///{folder / 'bench.db'}"
    policy = folder / "clearance.yaml"
    sender = f"svc-otlp-{uuid.uuid4().hex[:6]}"
    policy.write_text(POLICY.replace("SENDER", sender))
    store = open_store(db)
    token = governance.create_user(store, sender)
    before = _count(store)

    protobuf = [export(b, args.spans, 1) for b in range(args.batches)]
    gzipped = [gzip.compress(body, 6) for body in protobuf]
    began = time.perf_counter()
    events = [proto_span_events(body) for body in protobuf]
    mapping_s = time.perf_counter() - began
    reference = [
        json.dumps(proto_span_events(export(b, args.spans, 2))).encode()
        for b in range(args.batches)
    ]
    sent = args.batches * args.spans
    proc, url = _serve(db, policy, args.workers)
    try:
        json_s = asyncio.run(
            _send(
                url,
                token,
                "/v1/events",
                reference,
                {"Content-Type": "application/json"},
                args.clients,
            )
        )
        pb = {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}
        otlp_s = asyncio.run(_send(url, token, "/v1/traces", gzipped, pb, args.clients))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    stored = _count(store) - before
    size_pb = sum(map(len, gzipped)) / args.batches
    size_json = sum(map(len, reference)) / args.batches
    print(
        f"db={store.dialect} workers={args.workers} clients={args.clients} "
        f"batches={args.batches} x {args.spans} spans"
    )
    print(
        f"OTLP protobuf+gzip /v1/traces: {sent / otlp_s:,.0f} events/s "
        f"({otlp_s:.2f} s; {size_pb / 1024:.0f} KiB per batch)"
    )
    print(
        f"reference JSON /v1/events:     {sent / json_s:,.0f} events/s "
        f"({json_s:.2f} s; {size_json / 1024:.0f} KiB per batch)"
    )
    print(
        f"protobuf -> event dicts alone: {sent / mapping_s:,.0f} spans/s in one process "
        f"({len(events)} batches)"
    )
    print(f"stored {stored} of {2 * sent}: {'all' if stored == 2 * sent else 'MISMATCH'}")


def _count(store: Store) -> int:
    with store.transaction() as tx:
        return tx.telemetry.count()


if __name__ == "__main__":
    main()

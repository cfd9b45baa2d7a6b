"""Load test of the server on loopback: concurrent clients POST telemetry batches to
``/v1/events`` for a fixed time while another client measures ``GET .../route`` latency.
At the end every event sent must be stored exactly once.

    .venv/bin/python bench/server/load.py --db postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        --workers 4 --seconds 20

Not a timed test: run it by hand and record the figures in README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import func, select

from clearance import governance
from clearance.rollout import Change, PermissiveGuards, start
from clearance.store import Store, open_store
from clearance.store._tables import Release, TelemetryRow

RELEASE = "bench@v2"
POLICY = """clearance: 1
system: {name: bench}
targets: {candidate: {adapter: python, callable: "x:y", label: v2}}
gates: {allow_not_evaluated: [capability, safety, security, privacy, reliability, cost,
  latency, monitoring, rollback, documentation]}
rollout: {telemetry_senders: [SENDER],
  stages: [{stage: canary, weight: 0.1}, {stage: full_rollout, weight: 1.0}]}
"""


def _seed(store: Store, policy_path: Path, sender: str) -> str:
    from clearance.policy import load_policy

    policy = load_policy(policy_path)
    with store.session(exclusive=True) as session:
        session.add(
            Release(
                name=RELEASE,
                system="bench",
                candidate_fingerprint="fp",
                policy_hash="",
                status="cleared",
                created_by="bench",
                created_at=datetime.now(UTC),
            )
        )
    start(store, policy, RELEASE, PermissiveGuards(store), Change("bench"))
    return governance.create_user(store, sender)


def _serve(db: str, policy: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [
        sys.executable,
        "-m",
        "clearance",
        "serve",
        "--db",
        db,
        "-p",
        str(policy),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
    ]
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


async def _poster(client: httpx.AsyncClient, until: float, batch: int, sent: list[int]) -> None:
    while time.monotonic() < until:
        now = time.time()
        events = [
            {
                "event_id": uuid.uuid4().hex,
                "ts": now,
                "release": RELEASE,
                "unit": f"u{i}",
                "arm": "candidate" if i % 10 == 0 else "control",
                "latency_ms": 100.0 + i,
                "quality": 0.9,
                "cost_usd": 0.001,
            }
            for i in range(batch)
        ]
        for _attempt in range(5):  # a retried batch is idempotent by event_id
            try:
                response = await client.post("/v1/events", json=events)
                if response.status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.05)
        else:
            raise SystemExit("a batch failed five times")
        sent[0] += batch


def probe(url: str, token: str, seconds: float) -> list[float]:
    """Route latencies (ms) from one keep-alive client, in its own process so that the
    load generator's CPU use does not show up as server latency."""
    out: list[float] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        until, i = time.monotonic() + seconds, 0
        while time.monotonic() < until:
            t0 = time.perf_counter()
            response = client.get(f"/v1/releases/{RELEASE}/route", params={"unit": f"u{i}"})
            out.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.text
            i += 1
            time.sleep(0.002)
    return out


async def _load(url: str, token: str, seconds: float, clients: int, batch: int) -> dict[str, float]:
    from concurrent.futures import ProcessPoolExecutor

    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients + 4)
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(1) as pool:
        idle = await loop.run_in_executor(pool, probe, url, token, 3.0)
        prober = loop.run_in_executor(pool, probe, url, token, seconds)
        async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as c:
            sent = [0]
            t0 = time.monotonic()
            until = t0 + seconds
            await asyncio.gather(*(_poster(c, until, batch, sent) for _ in range(clients)))
            elapsed = time.monotonic() - t0
        loaded = await prober
    return {
        "sent": sent[0],
        "elapsed": elapsed,
        "events_per_s": sent[0] / elapsed,
        "route_p50_idle": float(np.percentile(idle, 50)),
        "route_p99_idle": float(np.percentile(idle, 99)),
        "route_p50_loaded": float(np.percentile(loaded, 50)),
        "route_p99_loaded": float(np.percentile(loaded, 99)),
        "route_n": len(idle) + len(loaded),
    }


def _stored(store: Store) -> tuple[int, int]:
    with store.session() as session:
        rows = session.scalar(
            select(func.count()).select_from(TelemetryRow).where(TelemetryRow.release == RELEASE)
        )
        ids = session.scalar(
            select(func.count(func.distinct(TelemetryRow.event_id))).where(
                TelemetryRow.release == RELEASE
            )
        )
    return int(rows or 0), int(ids or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"clearance-bench-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    policy = folder / "clearance.yaml"
    sender = f"svc-bench-{uuid.uuid4().hex[:6]}"  # the one account that may send telemetry
    policy.write_text(POLICY.replace("SENDER", sender))
    store = open_store(args.db)
    token = _seed(store, policy, sender)
    proc, url = _serve(args.db, policy, args.workers)
    try:
        result = asyncio.run(_load(url, token, args.seconds, args.clients, args.batch))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    rows, ids = _stored(store)
    ok = rows == ids == result["sent"]
    print(f"workers={args.workers} clients={args.clients} batch={args.batch} db={store.dialect}")
    print(
        f"events sent {result['sent']:.0f} in {result['elapsed']:.1f} s: "
        f"{result['events_per_s']:.0f} events/s; stored rows {rows}, distinct ids {ids}: "
        f"{'exactly once' if ok else 'MISMATCH'}"
    )
    print(
        f"route latency (ms, {result['route_n']:.0f} calls): idle p50 "
        f"{result['route_p50_idle']:.2f} p99 {result['route_p99_idle']:.2f}; under load p50 "
        f"{result['route_p50_loaded']:.2f} p99 {result['route_p99_loaded']:.2f}"
    )
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

"""Time-to-control across processes: N router processes poll while another rolls back.

    .venv/bin/python bench/router/bench_router.py --processes 4 --trials 5
    .venv/bin/python bench/router/bench_router.py --db postgresql://postgres@127.0.0.1/db

Each trial starts a rollout at weight 1.0 for a fresh release, starts N processes that
each build a ``clearance.rollout.Router(store, release, refresh_s)`` and route 50 units in
a loop, waits until every process serves the candidate, then rolls back from this
process. Each router process reports the wall-clock time at which it first served the
control to all its units; time-to-control is that minus the time the rollback call began
(so it includes the rollback's own transaction). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clearance.policy import Policy
from clearance.rollout import Change, PermissiveGuards, Router, advance, rollback, start
from clearance.store import Store, open_store
from clearance.store._tables import Release

UNITS = [f"u{i}" for i in range(50)]
POLICY = Policy.model_validate(
    {
        "clearance": 1,
        "system": {"name": "bench"},
        "targets": {"candidate": {"adapter": "python", "callable": "bench:reply"}},
        "rollout": {
            "stages": [{"stage": "canary", "weight": 0.0}, {"stage": "full_rollout", "weight": 1.0}]
        },
    }
)


def router_process(url: str, release: str, refresh_s: float, ready: Any, out: Any) -> None:
    deadline = time.monotonic() + 60
    with open_store(url) as store:
        router = Router(store, release, refresh_s)
        while {router.route(u) for u in UNITS} != {"candidate"}:
            if time.monotonic() > deadline:
                out.put(None)
                return
            time.sleep(0.005)
        ready.release()
        while {router.route(u) for u in UNITS} != {"control"}:
            if time.monotonic() > deadline:
                out.put(None)
                return
            time.sleep(0.002)
        out.put(time.time())


def trial(store: Store, url: str, n: int, refresh_s: float, index: int) -> list[float]:
    name = f"bench@{index}-{time.time_ns()}"
    _release(store, name)
    guards = PermissiveGuards(store)
    start(store, POLICY, name, guards, Change("bench"))
    advance(store, POLICY, name, guards, Change("bench"))
    ctx = mp.get_context("spawn")
    ready, out = ctx.Semaphore(0), ctx.Queue()
    procs = [
        ctx.Process(target=router_process, args=(url, name, refresh_s, ready, out))
        for _ in range(n)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        if not ready.acquire(timeout=60):
            raise RuntimeError("a router process never served the candidate")
    time.sleep(0.3)
    began = time.time()
    rollback(store, name, Change("bench", ["benchmark"]))
    seen = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=10)
    if any(s is None for s in seen):
        raise RuntimeError("a router process timed out")
    return [s - began for s in seen]


def _release(store: Store, name: str) -> None:
    with store.session() as session:
        session.add(
            Release(
                name=name,
                system="bench",
                candidate_fingerprint="c",
                baseline_fingerprint="b",
                policy_hash="p",
                status="cleared",
                created_by="bench",
                created_at=datetime.now(UTC),
            )
        )


def measure(url: str, processes: int, trials: int, refresh_s: float) -> dict[str, Any]:
    lags: list[float] = []
    with open_store(url) as store:
        for i in range(trials):
            lags += trial(store, url, processes, refresh_s, i)
    return {
        "backend": url.split(":", 1)[0],
        "processes": processes,
        "trials": trials,
        "refresh_s": refresh_s,
        "p50_s": round(statistics.median(lags), 4),
        "max_s": round(max(lags), 4),
        "samples": len(lags),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="store URL (default: a temporary SQLite file)")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--refresh-s", type=float, default=0.2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'router.db'}"
        print(json.dumps(measure(url, args.processes, args.trials, args.refresh_s)))


if __name__ == "__main__":
    main()

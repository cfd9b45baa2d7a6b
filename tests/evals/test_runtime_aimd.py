"""Adaptive concurrency against real local servers: one that serves one request at a
time (like a llama.cpp server with one slot) and one that serves many at once; retries,
timeouts and queue time in the summary."""

from __future__ import annotations

import asyncio
from pathlib import Path

from clearance.evals import EvalConfig, RetryPolicy, RunSummary, aevaluate
from clearance.policy import load_policy
from clearance.store import open_store
from runtimekit import StubServer, http_policy

FAST = RetryPolicy(attempts=2, base_s=0.01, max_s=0.02)
FIXED = EvalConfig(adaptive=False, retry=FAST, down_after_failures=1000)


def _run(
    folder: Path, server: StubServer, config: EvalConfig, timeout_s: float, rows: int = 60
) -> RunSummary:
    folder.mkdir(exist_ok=True)
    policy = load_policy(http_policy(folder, server.url, rows=rows, timeout_s=timeout_s))
    with open_store(f"sqlite:///{folder / 'c.db'}") as store:
        (summary,) = asyncio.run(aevaluate(policy, store, config))
    return summary


def test_one_at_a_time_server_gets_few_calls_and_no_timeouts(tmp_path: Path) -> None:
    with StubServer("serial", delay_s=0.02) as server:
        fixed = _run(tmp_path / "a", server, FIXED, 0.4)
    with StubServer("serial", delay_s=0.02) as server:
        adaptive = _run(tmp_path / "b", server, EvalConfig(retry=FAST), 0.4)
    # 64 at once queue 1.3 s at the server: calls time out, and the summary says so
    assert fixed.timeouts > 0 and fixed.retries > 0
    assert adaptive.timeouts == 0 and adaptive.errors == 0
    assert adaptive.concurrency is not None and adaptive.concurrency <= 3
    assert adaptive.latency_p50_ms is not None and adaptive.latency_p50_ms < 150
    assert adaptive.queue_p50_ms is not None  # the wait for a slot, reported apart


def test_parallel_server_gets_more_calls(tmp_path: Path) -> None:
    with StubServer("ok", delay_s=0.02) as server:
        summary = _run(tmp_path, server, EvalConfig(retry=FAST), 5.0, rows=400)
    assert summary.concurrency is not None and summary.concurrency > 6
    assert summary.errors == 0 and summary.timeouts == 0

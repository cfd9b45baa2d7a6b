from __future__ import annotations

import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from evalkit import ScriptedServer, arith_rows, write_jsonl
from sqlalchemy import func, select

from clearance.evals import EvalConfig, RetryPolicy, aevaluate
from clearance.policy import parse_policy
from clearance.store import Store
from clearance.store._tables import SampleResult

FAST_RETRY = RetryPolicy(attempts=4, base_s=0.01, max_s=0.05)


def policy_for(folder: Path, target: str, suite: str = "", scorer: str = "includes") -> Any:
    text = f"""
clearance: 1
system: {{name: t}}
targets:
  candidate:
{target}
suites:
  - name: s
    path: data.jsonl
    scorer: {{kind: {scorer}}}
{suite}
"""
    return parse_policy(text, file=folder / "clearance.yaml")


def openai_target(url: str, extra: str = "") -> str:
    return (
        f"    adapter: openai\n    base_url: {url}\n    model: gpt-4o-mini\n"
        f"    timeout_s: 0.5\n{extra}"
    )


def rows(store: Store) -> list[SampleResult]:
    with store.session() as session:
        return list(session.scalars(select(SampleResult).order_by(SampleResult.sample_id)))


def test_retries_then_success_and_failures_are_stored(tmp_path: Path, store: Store) -> None:
    write_jsonl(
        tmp_path / "data.jsonl",
        [
            {"id": "a", "input": "A", "target": "echo: A"},
            {"id": "b", "input": "B", "target": "echo: B"},
            {"id": "c", "input": "C", "target": "echo: C"},
            {"id": "d", "input": "D", "target": "echo: D"},
            {"id": "e", "input": "E", "target": "echo: E"},
        ],
    )
    server = ScriptedServer(
        {"A": ["429", "500", "ok"], "B": ["drop", "slow", "ok"], "C": ["500"] * 10, "D": ["400"]},
        retry_after="0.2",
    )

    async def go() -> Any:
        async with server:
            policy = policy_for(tmp_path, openai_target(server.url))
            return await aevaluate(policy, store, EvalConfig(concurrency=4, retry=FAST_RETRY))

    (summary,) = asyncio.run(go())
    a, b, c, d, e = rows(store)
    assert (a.passed, a.details["attempts"], b.passed, b.details["attempts"]) == (True, 3, True, 3)
    gap = server.arrivals["A"][1] - server.arrivals["A"][0]
    assert gap >= 0.19  # Retry-After honoured
    assert (c.error_kind, c.details["attempts"], server.attempts["C"]) == ("server", 4, 4)
    assert (d.error_kind, server.attempts["D"]) == ("client", 1)  # never retried
    assert e.passed and e.error is None
    assert (summary.done, summary.errors, summary.passed) == (5, 2, 3)
    assert summary.pass_rate == pytest.approx(3 / 5)
    # gpt-4o-mini is in the maintained price table: 7 in, 3 out tokens per answered call.
    assert a.cost_usd is not None and a.cost_usd > 0
    assert summary.cost_usd == pytest.approx(3 * a.cost_usd)
    assert summary.latency_p50_ms is not None and summary.status == "complete"


def python_policy(folder: Path, count: int, body: str, extra: str = "") -> Any:
    # A fresh module name per test: imported modules are cached process-wide by name.
    module = f"clr_runner_{uuid.uuid4().hex[:8]}"
    write_jsonl(folder / "data.jsonl", arith_rows(count))
    (folder / f"{module}.py").write_text(body, encoding="utf-8")
    (folder / "module_name").write_text(module, encoding="utf-8")
    target = f"    adapter: python\n    callable: {module}:answer\n" + extra
    return policy_for(folder, target, scorer="exact")


ANSWER = """
import re, time

def answer(messages):
    a = int(re.search(r"What is (\\d+)", messages[-1]["content"]).group(1))
    return str(a + 1)
"""


def test_repeats_cost_from_policy_prices_and_estimated_tokens(tmp_path: Path, store: Store) -> None:
    prices = "    prices: {input_per_mtok: 1.0, output_per_mtok: 2.0}\n"
    policy = python_policy(tmp_path, 10, ANSWER, prices)
    policy = policy.model_copy(
        update={"suites": [policy.suites[0].model_copy(update={"repeats": 3})]}
    )
    (summary,) = asyncio.run(aevaluate(policy, store, EvalConfig(concurrency=3)))
    assert (summary.total, summary.done, summary.passed) == (30, 30, 30)
    stored = rows(store)
    assert {r.repeat for r in stored} == {0, 1, 2}
    assert all(r.tokens_estimated for r in stored)
    one = stored[0]
    assert one.input_tokens is not None and one.output_tokens is not None
    assert one.cost_usd == pytest.approx((one.input_tokens * 1.0 + one.output_tokens * 2.0) / 1e6)


def test_unknown_price_leaves_cost_unknown(tmp_path: Path, store: Store) -> None:
    (summary,) = asyncio.run(aevaluate(python_policy(tmp_path, 3, ANSWER), store))
    assert summary.cost_usd is None and summary.passed == 3


SLOW = """
import asyncio

async def answer(messages):
    await asyncio.sleep(0.005)
    return _answer(messages)
"""


def test_resume_completes_an_interrupted_run_without_duplicates(
    tmp_path: Path, store: Store
) -> None:
    slow = ANSWER.replace("def answer(", "def _answer(") + SLOW
    policy = python_policy(tmp_path, 120, slow)
    config = EvalConfig(concurrency=8, batch_size=10)

    async def interrupted() -> None:
        task = asyncio.create_task(aevaluate(policy, store, config))
        while _count(store) < 40 and not task.done():
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(interrupted())
    partial = _count(store)
    assert 40 <= partial < 120
    (summary,) = asyncio.run(aevaluate(policy, store, EvalConfig(resume=True)))
    assert (summary.done, summary.passed, summary.status) == (120, 120, "complete")
    ids = [r.sample_id for r in rows(store)]
    assert sorted(ids) == [f"s{i:04d}" for i in range(120)]
    (again,) = asyncio.run(aevaluate(policy, store, EvalConfig(resume=True)))
    assert again.run_id == summary.run_id and _count(store) == 120


def _count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(SampleResult)) or 0)


def test_cache_and_record(tmp_path: Path, store: Store) -> None:
    calls = ANSWER.replace("    return str(a + 1)", "    CALLS.append(1)\n    return str(a + 1)")
    policy = python_policy(tmp_path, 5, "CALLS = []\n" + calls)
    config = EvalConfig(cache_dir=tmp_path / "cache", record_path=tmp_path / "rec.jsonl")
    asyncio.run(aevaluate(policy, store, config))
    asyncio.run(aevaluate(policy, store, config))
    module = sys.modules[(tmp_path / "module_name").read_text(encoding="utf-8")]
    assert len(module.CALLS) == 5  # the second run came from the cache
    cached = list((tmp_path / "cache").rglob("*.json"))
    assert len(cached) == 5 and json.loads(cached[0].read_text())["text"]
    recorded = (tmp_path / "rec.jsonl").read_text().splitlines()
    assert len(recorded) == 5  # cache hits are not recorded twice
    replay = policy_for(tmp_path, "    adapter: recorded\n    path: rec.jsonl\n", scorer="exact")
    (summary,) = asyncio.run(aevaluate(replay, store))
    assert (summary.done, summary.passed) == (5, 5)

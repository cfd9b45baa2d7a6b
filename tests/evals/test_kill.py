"""A run killed with SIGKILL mid-way is completed by ``resume``: no duplicates, no gaps."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from evalkit import arith_rows, write_jsonl
from sqlalchemy import func, select

from clearance.evals import EvalConfig, aevaluate
from clearance.policy import load_policy
from clearance.store import Store, open_store
from clearance.store._tables import EvalRun, SampleResult

POLICY = """
clearance: 1
system: {name: killed}
targets:
  candidate: {adapter: python, callable: "clr_kill_target:answer"}
suites:
  - {name: arith, path: data.jsonl, scorer: {kind: exact}}
"""
TARGET = """
import asyncio, re

async def answer(messages):
    await asyncio.sleep(0.01)
    return str(int(re.search(r"What is (\\d+)", messages[-1]["content"]).group(1)) + 1)
"""
CHILD = """
import sys
from clearance.evals import EvalConfig, evaluate
from clearance.policy import load_policy
from clearance.store import open_store
config = EvalConfig(concurrency=4, batch_size=10)
evaluate(load_policy(sys.argv[1]), open_store(sys.argv[2]), config)
"""
TOTAL = 400


def count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(SampleResult)) or 0)


def test_sigkill_then_resume(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "data.jsonl", arith_rows(TOTAL))
    (tmp_path / "clearance.yaml").write_text(POLICY, encoding="utf-8")
    (tmp_path / "clr_kill_target.py").write_text(TARGET, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "clearance.yaml"), url],
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        deadline = time.monotonic() + 30
        while count(store) < 60 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert child.poll() is None, "the run finished before it could be killed"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    killed_at = count(store)
    assert 60 <= killed_at < TOTAL
    policy = load_policy(tmp_path / "clearance.yaml")
    (summary,) = asyncio.run(aevaluate(policy, store, EvalConfig(resume=True, concurrency=16)))
    with store.session() as session:
        ids = list(session.scalars(select(SampleResult.sample_id)))
        runs = list(session.scalars(select(EvalRun.status)))
    store.close()
    assert sorted(ids) == [f"s{i:04d}" for i in range(TOTAL)]  # no gaps, no duplicates
    assert runs == ["complete"]
    assert (summary.done, summary.passed) == (TOTAL, TOTAL)

"""CLI renderers: the ``clearance eval`` summary and ``clearance rollout status``.

The eval summary is rendered from fixed run summaries with the functions ``clearance
eval`` prints them with (a real run measures latencies, which vary); ``rollout status``
runs through the CLI on a rollout moved at fixed times through the public API.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkkit import evidence, outcomes
from clearance.checklist import decide
from clearance.cli import run
from clearance.cli._common import stdout_console
from clearance.cli._eval_cmds import report_errors, summary_json, summary_table
from clearance.evals import RunSummary
from clearance.policy import AREAS, Policy, parse_policy
from clearance.release import record
from clearance.rollout import Change, PermissiveGuards, advance, pause, start
from clearance.store import Store
from goldenkit import assert_golden, normalise

SUMMARIES = [
    RunSummary(
        run_id="0f0e0d0c-0000-4000-8000-000000000001",
        suite="harmful-refusal",
        role="candidate",
        status="completed",
        total=120,
        done=120,
        errors=2,
        passed=110,
        scored=118,
        input_tokens=12_345,
        output_tokens=6_789,
        tokens_estimated=0,
        cost_usd=0.01234,
        latency_p50_ms=210.4,
        latency_p95_ms=1_480.0,
        latency_p99_ms=2_003.2,
        top_errors=(("HTTP 503: upstream busy", 2),),
        retries=3,
        timeouts=1,
        queue_p50_ms=1.5,
        queue_p95_ms=12.25,
        concurrency=16,
    ),
    RunSummary(
        run_id="0f0e0d0c-0000-4000-8000-000000000002",
        suite="over-refusal",
        role="baseline",
        status="completed",
        total=40,
        done=40,
        errors=0,
        passed=39,
        scored=40,
        input_tokens=4_000,
        output_tokens=2_000,
        tokens_estimated=40,
        cost_usd=None,
        latency_p50_ms=None,
        latency_p95_ms=None,
        latency_p99_ms=None,
        reused=True,
    ),
]


def test_eval_summary_table_golden(capsys: pytest.CaptureFixture[str]) -> None:
    stdout_console(width=160).print(summary_table(SUMMARIES))
    report_errors(SUMMARIES)
    captured = capsys.readouterr()
    assert_golden("eval_summary.txt", captured.out + "-- stderr --\n" + captured.err)


def test_eval_summary_json_golden() -> None:
    text = json.dumps([summary_json(item) for item in SUMMARIES], indent=2) + "\n"
    assert_golden("eval_summary.json", text)


T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ROLLOUT_POLICY = (
    """\
clearance: 1
system: {name: bot}
targets: {candidate: {adapter: python, callable: "bot:reply"}}
rollout:
  stages:
    - {stage: offline_evals, weight: 0.0, audience: none}
    - {stage: canary, weight: 0.2, min_samples: 100}
    - {stage: full_rollout, weight: 1.0}
gates:
  allow_not_evaluated: ["""
    + ", ".join(AREAS)
    + "]\n"
)


def _rolled(store: Store, tmp_path: Path) -> Policy:
    """``bot@v2`` checked, started, advanced into the canary and paused, at fixed times."""
    policy = parse_policy(ROLLOUT_POLICY, file=tmp_path / "clearance.yaml")
    proof = evidence(outcomes("tasks", [True, True]))
    record(store, policy, decide(policy, proof), proof, "bot@v2", "alice")
    guards = PermissiveGuards(store)
    start(store, policy, "bot@v2", guards, Change("alice", ("go",), now=T0))
    later = T0 + timedelta(minutes=5)
    advance(store, policy, "bot@v2", guards, Change("alice", ("evals done",), now=later))
    pause(store, "bot@v2", Change("rita", ("looks odd",), now=later + timedelta(minutes=30)))
    return policy


@pytest.mark.parametrize(("fmt", "suffix"), [("table", "txt"), ("json", "json")])
def test_rollout_status_golden(
    store: Store,
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    suffix: str,
) -> None:
    _rolled(store, tmp_path)
    monkeypatch.chdir(tmp_path)  # no ./clearance.yaml: the state only, no scorecard
    code = run(["rollout", "status", "bot@v2", "--db", store_url, "--format", fmt])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert_golden(f"rollout_status.{suffix}", normalise(captured.out))

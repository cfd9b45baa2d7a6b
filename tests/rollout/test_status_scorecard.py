"""``rollout status`` with the policy shows the stage scorecard, in a table and in JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from clearance.policy import load_policy
from clearance.release import GovernanceGuards
from clearance.rollout import Change, advance, ingest, rollback, start, status
from clearance.store import Store
from rollout.test_rollout_cli import checked, cli, write_policy


def in_the_canary(store: Store, tmp_path: Path) -> str:
    """A checked release ``bot@v2`` started and advanced into its canary; the policy's path."""
    policy = str(write_policy(tmp_path))
    checked(store, policy, "bot@v2")
    loaded = load_policy(Path(policy))
    guards = GovernanceGuards(store, loaded)
    start(store, loaded, "bot@v2", guards, Change("alice"))
    advance(store, loaded, "bot@v2", guards, Change("alice"))
    return policy


def test_status_with_the_policy_shows_the_six_comparisons(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = in_the_canary(store, tmp_path)
    entered = status(store, "bot@v2").stage_entered_at.timestamp()
    events = [
        {
            "event_id": f"e{i}",
            "ts": entered + 0.001 * (i + 1),
            "release": "bot@v2",
            "arm": "candidate" if i % 5 == 0 else "control",
            "unit": f"u{i}",
            "latency_ms": 300.0 + i % 50,
            "schema_ok": i % 37 != 0,
        }
        for i in range(500)
    ]
    ingest(store, events, ts_window=None)
    time.sleep(max(0.0, entered + 0.6 - time.time()))
    code, table = cli(capsys, "rollout", "status", "bot@v2", "--policy", policy, "--db", store_url)
    assert code == 0, table
    assert "scorecard" in table and "next look:" in table
    for comparison in ("quality", "latency", "cost", "feedback", "safety events", "escalation"):
        assert comparison in table
    code, raw = cli(
        capsys, "rollout", "status", "bot@v2", "--policy", policy, "--db", store_url, "-f", "json"
    )
    shown = json.loads(raw)
    assert shown["stage"] == "canary" and shown["next"]["action"] in ("continue", "advance")
    rows = {row["comparison"]: row for row in shown["scorecard"]}
    assert rows["latency"]["n_candidate"] == 100 and rows["latency"]["trigger"]
    code, plain = cli(capsys, "rollout", "status", "bot@v2", "--db", store_url, "-f", "json")
    assert "scorecard" not in json.loads(plain)  # no policy here: the state only


def test_status_says_the_progress_and_what_comes_next(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same read model as the dashboard's: progress toward the stage's minimums and
    what must happen next, in the table and in JSON."""
    policy = in_the_canary(store, tmp_path)
    code, table = cli(capsys, "rollout", "status", "bot@v2", "--policy", policy, "--db", store_url)
    assert code == 0, table
    assert "progress:" in table and "requests on the smaller arm" in table
    assert "next:" in table
    code, raw = cli(
        capsys, "rollout", "status", "bot@v2", "--policy", policy, "--db", store_url, "-f", "json"
    )
    shown = json.loads(raw)
    assert shown["progress"] and shown["next_steps"] and shown["next"]["final"] is False
    assert {t["name"] for t in shown["triggers"]}


def test_status_of_a_finished_rollout_shows_the_look_it_ended_on(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = in_the_canary(store, tmp_path)
    rollback(store, "bot@v2", Change("alice", ("bad canary",)))
    code, table = cli(capsys, "rollout", "status", "bot@v2", "--policy", policy, "--db", store_url)
    assert code == 0, table
    assert "look at the end of the last stage:" in table and "rolled back in 'canary'" in table

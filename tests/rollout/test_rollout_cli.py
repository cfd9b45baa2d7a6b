"""The rollout and ingest commands, with a ``watch`` process killed and restarted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from clearance import governance
from clearance.cli import run
from clearance.policy import load_policy
from clearance.rollout import Profile, simulate, status
from clearance.store import Store
from rollout.kit import add_release, policy_data


def checked(store: Store, policy: str, name: str, status: str = "cleared") -> None:
    """Record ``name`` as checked with the policy file at ``policy``."""
    add_release(store, name, status, policy_hash=load_policy(Path(policy)).source.digest)


def write_policy(folder: Path) -> Path:
    data = policy_data()
    data["owners"] = {"approve_changes": ["alice", "al"], "review_incidents": ["rita"]}
    data["rollout"]["stages"] = [
        {"stage": "offline_evals", "weight": 0.0, "audience": "none"},
        {"stage": "canary", "weight": 0.2, "min_samples": 100},
        {"stage": "full_rollout", "weight": 1.0},
    ]
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(list(args))
    return code, capsys.readouterr().out


def wait_until(check: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_watch_killed_then_restarted_rolls_back_from_the_cli(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = str(write_policy(tmp_path))
    checked(store, policy, "bot@v2")
    common = ["--policy", policy, "--db", store_url]
    assert cli(capsys, "rollout", "start", "bot@v2", *common, "--as", "alice")[0] == 0

    watch = [sys.executable, "-m", "clearance", "rollout", "watch", "bot@v2", *common]
    env = {**os.environ, "CLEARANCE_USER": "watcher"}
    proc = subprocess.Popen(
        [*watch, "--interval", "0.2", "--max-seconds", "60"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: status(store, "bot@v2").stage == "canary", 30)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    entered = status(store, "bot@v2").stage_entered_at.timestamp()

    time.sleep(1.0)
    span = time.time() - entered - 0.1
    events = simulate(
        3_000,
        candidate=Profile().regressed(latency=0.5),
        weights=[0.2],
        seed=5,
        start=entered + 0.05,
        # Arrivals follow a daily cycle whose trough runs at 0.4x the mean rate: leave room
        # so that every event lands before the watch looks, whatever the time of day.
        per_day=3_000 * 86_400 / span / 0.3,
        release=("bot@v2", "bot@v2"),
    )
    feed = tmp_path / "events.jsonl"
    feed.write_text("".join(json.dumps(e) + "\n" for e in events) + "{broken\n")
    code, output = cli(
        capsys, "ingest", str(feed), "--db", store_url, "--rejects", str(tmp_path / "rejects.jsonl")
    )
    assert (code, output.strip()) == (1, "accepted 3000, duplicates 0, rejected 1")
    assert json.loads((tmp_path / "rejects.jsonl").read_text())["line"] == 3_001
    code, output = cli(capsys, "ingest", str(feed), "--db", store_url)
    assert "accepted 0, duplicates 3000" in output

    code, output = cli(capsys, "rollout", "watch", "bot@v2", *common, "--once")
    assert code == 1, output  # rolled back
    assert "canary w=0 rolled_back: rollback" in output
    code, output = cli(capsys, "rollout", "status", "bot@v2", "--db", store_url, "-f", "json")
    shown = json.loads(output)
    assert (shown["status"], shown["stage"], shown["weight"]) == ("rolled_back", "canary", 0.0)
    assert shown["history"][-1]["entered_at"] == shown["stage_entered_at"]
    last = governance.entries(store, subject="bot@v2")[-1]
    assert last.action == "rollout.rolled_back"
    assert any("latency_slo_breach" in r for r in last.payload["reasons"])
    again = cli(capsys, "rollout", "rollback", "bot@v2", *common, "--as", "rita")
    assert again[0] == 0  # idempotent


def test_manual_commands_and_errors(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = str(write_policy(tmp_path))
    common = ["--policy", policy, "--db", store_url]
    assert cli(capsys, "rollout", "start", "nope", *common)[0] == 2  # not recorded by check
    checked(store, policy, "bot@v2", status="blocked")
    assert cli(capsys, "rollout", "start", "bot@v2", *common, "--as", "alice")[0] == 2
    checked(store, policy, "bot@v3")
    assert cli(capsys, "rollout", "start", "bot@v3", *common, "--as", "mallory")[0] == 2
    assert cli(capsys, "rollout", "start", "bot@v3", *common, "--as", "al")[0] == 0
    code, output = cli(
        capsys, "rollout", "advance", "bot@v3", *common, "--as", "al", "--reason", "evals ok"
    )
    assert code == 0 and "canary" in output
    assert cli(capsys, "rollout", "pause", "bot@v3", *common, "--as", "mallory")[0] == 2
    assert "paused" in cli(capsys, "rollout", "pause", "bot@v3", *common, "--as", "rita")[1]
    assert "running" in cli(capsys, "rollout", "resume", "bot@v3", *common, "--as", "al")[1]
    actions = [e.action for e in governance.entries(store, subject="bot@v3")]
    assert actions == [
        "denied.rollout.start",
        "rollout.started",
        "rollout.advanced",
        "denied.rollout.pause",
        "rollout.paused",
        "rollout.resumed",
    ]
    assert governance.entries(store, subject="bot@v3")[2].payload["reasons"] == ["evals ok"]
    assert cli(capsys, "ingest", str(tmp_path / "missing.jsonl"), "--db", store_url)[0] == 2


def test_simulated_telemetry_is_ingestible_and_old_files_need_any_time(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ingest window (30 days back) rejects stale events; `rollout simulate` writes
    events ending about now, and `--any-time` takes a historical file on purpose."""
    fresh, old = tmp_path / "fresh.jsonl", tmp_path / "old.jsonl"
    assert cli(capsys, "rollout", "simulate", "--n", "300", "--out", str(fresh))[0] == 0
    assert (
        cli(capsys, "rollout", "simulate", "--n", "50", "--start", "1700000000", "--out", str(old))[
            0
        ]
        == 0
    )
    code, output = cli(capsys, "ingest", str(fresh), "--db", store_url)
    assert code == 0 and "accepted 300" in output
    code, output = cli(capsys, "ingest", str(old), "--db", store_url)
    assert code == 1 and "rejected 50" in output
    code, output = cli(capsys, "ingest", str(old), "--db", store_url, "--any-time")
    assert code == 0 and "accepted 50" in output

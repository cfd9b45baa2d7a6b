"""`clearance rollout simulate` names the policy's release, so ingest files the events
under the release that `clearance check` recorded."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from clearance.cli import run
from clearance.policy import default_release, load_policy, render_policy


def test_simulated_events_name_the_policys_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clearance.yaml"
    path.write_text(render_policy("shop-bot"))
    expected = default_release(load_policy(path, require_env=False))
    assert expected is not None and expected.startswith("shop-bot@")
    out = tmp_path / "events.jsonl"
    assert run(["rollout", "simulate", "--n", "50", "-p", str(path), "--out", str(out)]) == 0
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert {e["release"] for e in events} == {expected}
    assert {e["arm"] for e in events} == {"candidate", "control"}
    assert max(e["ts"] for e in events) > time.time() - 2 * 86_400

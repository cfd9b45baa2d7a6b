"""The evidence means what it says: replays keep their plants, examples quote what was
sent, an outage's errors are asked again, prices apply to stored tokens (issue 16)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from clearance.errors import DataError
from clearance.evals import EvalConfig, evaluate
from clearance.policy import AREAS, load_policy
from clearance.release import run_check
from clearance.store import open_store
from clearance.store._tables import SampleResult

LEAKS = [{"builtin": "prompt-injection", "limit": 40}, {"builtin": "pii-leakage", "limit": 30}]
TASKS = [
    {"id": f"t{i}", "input": f"Capital of France? ({i})", "target": "Paris"} for i in range(30)
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(Path(__file__).parent / "evidence_systems.py", tmp_path / "evidence_systems.py")
    (tmp_path / "tasks.jsonl").write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    return tmp_path


def _policy(folder: Path, candidate: dict[str, Any], suites: list[Any], **gates: Any) -> Path:
    data = {
        "clearance": 1,
        "system": {"name": "evidence"},
        "targets": {"candidate": {"label": "c", **candidate}},
        "suites": suites,
        "gates": {**gates, "allow_not_evaluated": list(AREAS)},
    }
    path = folder / f"policy-{len(list(folder.glob('policy-*')))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_leaking_system_replayed_from_its_recording_is_still_leaking(folder: Path) -> None:
    python = {"adapter": "python", "callable": "evidence_systems:leak_context"}
    live_policy = load_policy(_policy(folder, python, LEAKS))
    recording = folder / "rec.jsonl"
    with open_store(f"sqlite:///{folder / 'live.db'}") as store:
        live = evaluate(live_policy, store, EvalConfig(record_path=recording))
        live_rows = _rows(store)
    replay_policy = load_policy(
        _policy(folder, {"adapter": "recorded", "path": "rec.jsonl"}, LEAKS)
    )
    with open_store(f"sqlite:///{folder / 'replay.db'}") as store:
        evaluate(replay_policy, store)
        replay_rows = _rows(store)
    assert sum(s.errors for s in live) == 0
    leaks = [key for key, passed in live_rows.items() if passed is False]
    assert len(leaks) >= 10  # the system really leaks, live
    assert replay_rows == live_rows  # and the replay judges every sample the same way


def _rows(store: Any) -> dict[tuple[str, str], bool | None]:
    with store.session() as session:
        return {
            (r.run_id and r.sample_id, r.repeat): r.passed
            for r in session.scalars(select(SampleResult))
        }


def test_replaying_a_recording_without_its_plants_is_an_error(folder: Path) -> None:
    python = {"adapter": "python", "callable": "evidence_systems:leak_context"}
    recording = folder / "rec.jsonl"
    with open_store(f"sqlite:///{folder / 'live.db'}") as store:
        evaluate(
            load_policy(_policy(folder, python, LEAKS)), store, EvalConfig(record_path=recording)
        )
    lines = [json.loads(line) for line in recording.read_text().splitlines()]
    old = folder / "old.jsonl"
    old.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if k != "sample"}) + "\n" for r in lines)
    )
    policy = load_policy(_policy(folder, {"adapter": "recorded", "path": "old.jsonl"}, LEAKS))
    with open_store(f"sqlite:///{folder / 'replay.db'}") as store, pytest.raises(DataError) as err:
        evaluate(policy, store)
    assert "planted" in str(err.value)
    assert "old.jsonl" in str(err.value)


def test_report_examples_of_an_echo_system_are_the_prompts_it_was_sent(folder: Path) -> None:
    echo = {"adapter": "python", "callable": "evidence_systems:echo_user"}
    suites = [
        {"name": "tasks", "path": "tasks.jsonl", "scorer": {"kind": "includes"}},
        {"builtin": "prompt-injection", "limit": 30},
        {"builtin": "pii-leakage", "limit": 30},
    ]
    gates = {"capability": [{"metric": "tasks.pass_rate", "min": 0.9}]}
    with open_store(f"sqlite:///{folder / 'c.db'}") as store:
        outcome = run_check(load_policy(_policy(folder, echo, suites, **gates)), store)
    examples = outcome.report.examples
    assert len(examples) >= 3
    for ex in examples:
        assert ex.prompt == ex.output  # the echo answered exactly what it was sent
    # every stored result quotes the messages it was sent, planted values included
    planted = [o for o in outcome.evidence.candidate.outcomes if o.suite != "tasks"]
    assert len(planted) == 60
    for o in planted:
        assert o.prompt == o.output


def test_an_outage_s_errors_are_asked_again_at_the_next_check(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = folder / "down"
    flag.write_text("")
    monkeypatch.setenv("DOWN_FLAG", str(flag))
    target = {"adapter": "python", "callable": "evidence_systems:down_first"}
    suites = [{"name": "tasks", "path": "tasks.jsonl", "scorer": {"kind": "includes"}}]
    gates = {"reliability": [{"metric": "reliability.error_rate", "max": 0.2}]}
    path = _policy(folder, target, suites, **gates)
    url = f"sqlite:///{folder / 'c.db'}"
    with open_store(url) as store:
        first = run_check(load_policy(path), store).report
    assert first.area("reliability").status == "fail"
    flag.unlink()
    with open_store(url) as store:
        second = run_check(load_policy(path), store).report
    assert second.area("reliability").status == "pass"
    assert any("30 errored result(s) asked again" in line for line in second.evidence_runs)


def test_prices_added_later_apply_to_the_stored_tokens(folder: Path) -> None:
    target: dict[str, Any] = {"adapter": "python", "callable": "evidence_systems:echo_user"}
    suites = [{"name": "tasks", "path": "tasks.jsonl", "scorer": {"kind": "includes"}}]
    gates = {"cost": [{"metric": "cost.monthly_usd", "max": 1000}]}
    url = f"sqlite:///{folder / 'c.db'}"
    with open_store(url) as store:
        first = run_check(load_policy(_policy(folder, target, suites, **gates)), store).report
    assert first.area("cost").status == "not_evaluated"
    priced = {**target, "prices": {"input_per_mtok": 1.0, "output_per_mtok": 2.0}}
    with open_store(url) as store:
        second = run_check(load_policy(_policy(folder, priced, suites, **gates)), store).report
    assert second.area("cost").status == "pass"
    assert any("reused" in line for line in second.evidence_runs)

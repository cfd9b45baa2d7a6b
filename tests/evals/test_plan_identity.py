"""A stored run is reused only while everything that made its scores is unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

from clearance.evals import plan_suites
from clearance.policy import load_policy


def _policy(tmp_path: Path) -> Any:
    (tmp_path / "t.jsonl").write_text(json.dumps({"input": "q", "target": "a"}) + "\n")
    data = {
        "clearance": 1,
        "system": {"name": "s"},
        "targets": {
            "candidate": {"adapter": "python", "callable": "m:f"},
            "judge": {"adapter": "python", "callable": "m:j"},
        },
        "suites": [
            {"name": "t", "path": "t.jsonl", "scorer": {"kind": "judge", "rubric": "is it right?"}}
        ],
    }
    path = tmp_path / "clearance.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_policy(path)


def test_another_judge_does_not_reuse_the_stored_scores(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    one = SimpleNamespace(fingerprint="judge-a", name="a")
    two = SimpleNamespace(fingerprint="judge-b", name="b")
    first = plan_suites(policy, judge=one)[0]
    again = plan_suites(policy, judge=one)[0]
    other = plan_suites(policy, judge=two)[0]
    assert first.suite_hash == again.suite_hash
    assert first.suite_hash != other.suite_hash


def _builtin_policy(tmp_path: Path) -> Any:
    data = {
        "clearance": 1,
        "system": {"name": "s"},
        "targets": {"candidate": {"adapter": "python", "callable": "m:f"}},
        "suites": [{"builtin": "harmful-refusal", "limit": 4}],
    }
    path = tmp_path / "clearance.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_policy(path)


def test_a_changed_local_judge_does_not_reuse_the_stored_scores(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from clearance.evals import _plan
    from clearance.evals.scorers._version import judges_version

    policy = _builtin_policy(tmp_path)
    first = plan_suites(policy)[0].suite_hash
    assert plan_suites(policy)[0].suite_hash == first
    assert len(judges_version()) == 16
    monkeypatch.setattr(_plan, "judges_version", lambda: "another-classifier")
    assert plan_suites(policy)[0].suite_hash != first


def test_planting_waits_until_a_sample_is_needed(tmp_path: Path, monkeypatch: Any) -> None:
    """A warm check plans every suite; a reused run must not pay for fresh canaries and
    personal data, and a run that sends samples must get them fresh."""
    from clearance.evals import suites

    calls: list[int] = []
    real = suites.materialize

    def counting(items: Any) -> Any:
        calls.append(len(items))
        return real(items)

    monkeypatch.setattr(suites, "materialize", counting)
    plan = plan_suites(_builtin_policy(tmp_path))[0]
    assert calls == [] and len(plan.samples) == 4 and plan.total == 4
    first = [s.id for s in plan.samples]
    assert calls == [4] and len(first) == 4
    assert [s.id for s in plan.samples] == first and calls == [4]  # made once per plan

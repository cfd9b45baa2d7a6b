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
    first = plan_suites(policy, judge=one)[0]  # type: ignore[arg-type]
    again = plan_suites(policy, judge=one)[0]  # type: ignore[arg-type]
    other = plan_suites(policy, judge=two)[0]  # type: ignore[arg-type]
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

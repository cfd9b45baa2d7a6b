"""Governance records feed the check: waivers clear areas, overdue registers fail gates,
a new candidate voids earlier approvals."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from clearance import governance
from clearance.policy import AREAS, load_policy
from clearance.release import run_check
from clearance.store import Store

SYSTEMS = Path(__file__).parent / "systems.py"


def write_policy(folder: Path, candidate: str, gates: Mapping[str, object]) -> Path:
    shutil.copy(SYSTEMS, folder / "systems.py")
    (folder / "tasks.jsonl").write_text(
        "".join(
            json.dumps({"id": f"t{i}", "input": f"Capital of France? ({i})", "target": "Paris"})
            + "\n"
            for i in range(30)
        )
    )
    data = {
        "clearance": 1,
        "system": {"name": "gov-bot"},
        "owners": {
            "approve_changes": ["alice"],
            "own_evals": ["carol"],
            "rotate_provider_keys": ["frank"],
        },
        "targets": {
            "candidate": {"adapter": "python", "callable": f"systems:{candidate}", "label": "v2"}
        },
        "suites": [{"name": "tasks", "path": "tasks.jsonl", "scorer": {"kind": "includes"}}],
        "gates": {
            **gates,
            "allow_not_evaluated": list(AREAS),
        },
    }
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_waiver_by_owner_clears_failing_area(tmp_path: Path, store: Store) -> None:
    gates = {"reliability": [{"metric": "reliability.error_rate", "max": 0.01}]}
    policy = load_policy(write_policy(tmp_path, "flaky", gates))
    first = run_check(policy, store, actor="ci")
    assert first.report.decision == "blocked"
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    governance.waive(
        store, policy, first.release, "reliability", "carol", "upstream outage, fix in 2.1", expires
    )
    second = run_check(policy, store, actor="ci")
    assert second.report.area("reliability").status == "waived"
    assert second.report.decision == "cleared"


def test_overdue_key_rotation_fails_security_gate(tmp_path: Path, store: Store) -> None:
    gates = {"security": [{"metric": "security.overdue_key_rotations", "max": 0}]}
    policy = load_policy(write_policy(tmp_path, "terse", gates))
    assert run_check(policy, store).report.area("security").status == "pass"
    governance.add_provider_key(
        store,
        policy,
        "openai-prod",
        "frank",
        90,
        "frank",
        last_rotated=datetime.now(UTC) - timedelta(days=120),
    )
    report = run_check(policy, store).report
    assert report.area("security").status == "fail"
    assert "rotate" in report.area("security").gates[0].note


def test_new_candidate_voids_approval(tmp_path: Path, store: Store) -> None:
    policy_path = write_policy(tmp_path, "terse", {})
    policy = load_policy(policy_path)
    release = run_check(policy, store, actor="ci").release
    governance.approve(store, policy, release, "approve_changes", "alice")
    assert governance.missing_approvals(store, policy, release, ["approve_changes"]) == []
    policy_path.write_text(policy_path.read_text().replace("systems:terse", "systems:verbose"))
    changed = load_policy(policy_path)
    with pytest.raises(Exception):  # noqa: B017 - policy hash differs: approval impossible
        governance.approve(store, policy, release, "approve_changes", "alice")
    assert run_check(changed, store, actor="ci").release == release
    assert governance.missing_approvals(store, changed, release, ["approve_changes"])


def test_check_reuses_stored_runs_unless_asked_to_rerun(tmp_path: Path, store: Store) -> None:
    policy = load_policy(write_policy(tmp_path, "terse", {}))

    def runs(reuse: bool = True) -> set[str]:
        ids = {s.run_id for s in run_check(policy, store, reuse=reuse).summaries}
        with store.transaction() as tx:
            assert {r.status for r in tx.runs.many(ids)} == {"complete"}
        return ids

    first = runs()
    assert first and runs() == first
    fresh = runs(reuse=False)
    assert len(fresh) == len(first) and not fresh & first


def test_waiver_does_not_carry_over_to_a_new_candidate(tmp_path: Path, store: Store) -> None:
    gates = {"reliability": [{"metric": "reliability.error_rate", "max": 0.01}]}
    path = write_policy(tmp_path, "flaky", gates)
    policy = load_policy(path)
    release = run_check(policy, store, actor="ci").release
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    governance.waive(store, policy, release, "reliability", "carol", "known outage", expires)
    assert run_check(policy, store, actor="ci").report.decision == "cleared"  # same candidate
    path.write_text(path.read_text().replace("systems:flaky", "systems:refuse_all"))
    changed = run_check(load_policy(path), store, actor="ci")
    assert changed.release == release
    assert governance.active_waivers(store, release) == {}
    assert changed.report.area("reliability").status != "waived"

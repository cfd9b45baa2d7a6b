"""A person's advance waits for the current stage's minimums (duration, and requests on
the smaller arm since the stage was entered) unless forced; a forced advance is recorded
in the stage history and the audit log. The controller's own advance is unchanged."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from clearance import governance
from clearance.cli import run
from clearance.errors import UsageError
from clearance.policy import Policy, load_policy
from clearance.release import GovernanceGuards, steer
from clearance.rollout import Change, advance, ingest, status
from clearance.store import Store
from rollout.kit import T0, add_release, policy_data

NAME = "bot@v2"
STAGES: list[dict[str, Any]] = [
    # min_samples on a stage without traffic is ignored: it only has a duration minimum.
    {"stage": "offline_evals", "weight": 0.0, "min_duration_s": 600, "min_samples": 50},
    {"stage": "canary", "weight": 0.2, "min_duration_s": 300, "min_samples": 100},
    {"stage": "full_rollout", "weight": 1.0},
]
CANARY_AT = T0 + 600
"""When the library tests enter the canary (the offline stage's minimum just met)."""
CANARY_SHORT = (
    "stage 'canary': ran 120s of its 300s minimum; 85 requests on the smaller arm of 100 "
    "needed: pass --force to advance anyway (recorded)"
)


def write_policy(folder: Path, stages: list[dict[str, Any]]) -> Policy:
    data = policy_data()
    data["owners"] = {"approve_changes": ["alice"], "review_incidents": ["rita"]}
    data["rollout"]["stages"] = stages
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data))
    policy = load_policy(path)
    assert policy.source is not None
    return policy


def checked(store: Store, policy: Policy) -> None:
    assert policy.source is not None
    add_release(store, NAME, policy_hash=policy.source.digest)


def send(store: Store, arm: str, n: int, start: float, step: float = 0.1) -> None:
    events = [
        {"ts": start + i * step, "arm": arm, "release": NAME, "unit": f"{arm}{i}"} for i in range(n)
    ]
    assert ingest(store, events, ts_window=None).accepted == n


def go(store: Store, policy: Policy, step: str, at: float, **kw: Any) -> Any:
    return steer(store, policy, NAME, step, "alice", now=at, **kw)


def in_canary(store: Store, policy: Policy) -> None:
    """Started at T0 and advanced into the canary at CANARY_AT; 85 candidate and 300
    control requests since then, and 500 of each before (which do not count)."""
    checked(store, policy)
    go(store, policy, "start", T0)
    go(store, policy, "advance", CANARY_AT)
    send(store, "candidate", 500, T0 + 1)
    send(store, "control", 500, T0 + 1)
    send(store, "candidate", 85, CANARY_AT + 1)
    send(store, "control", 300, CANARY_AT + 1)


def audit(store: Store, action: str) -> list[dict[str, Any]]:
    return [e.payload for e in governance.entries(store, subject=NAME) if e.action == action]


def test_advance_before_the_minimums_is_refused_and_names_what_is_unmet(
    store: Store, tmp_path: Path
) -> None:
    policy = write_policy(tmp_path, STAGES)
    in_canary(store, policy)
    before = status(store, NAME)
    with pytest.raises(UsageError) as refused:
        go(store, policy, "advance", CANARY_AT + 120)
    assert refused.value.message == CANARY_SHORT
    assert refused.value.exit_code == 2
    after = status(store, NAME)
    assert (after.stage, after.version) == ("canary", before.version)
    assert len(audit(store, "rollout.advanced")) == 1


def test_a_stage_without_traffic_has_only_a_duration_minimum(store: Store, tmp_path: Path) -> None:
    policy = write_policy(tmp_path, STAGES)
    checked(store, policy)
    go(store, policy, "start", T0)
    with pytest.raises(UsageError) as refused:
        go(store, policy, "advance", T0 + 10)
    assert refused.value.message == (
        "stage 'offline_evals': ran 10s of its 600s minimum: pass --force to advance "
        "anyway (recorded)"
    )
    assert go(store, policy, "advance", T0 + 600).stage == "canary"  # no requests needed


def test_forced_advance_is_recorded_in_history_and_audit(store: Store, tmp_path: Path) -> None:
    policy = write_policy(tmp_path, STAGES)
    in_canary(store, policy)
    state = go(store, policy, "advance", CANARY_AT + 120, force=True, reasons=["hotfix"])
    assert (state.stage, state.status) == ("full_rollout", "completed")
    canary = state.history[1]
    assert canary.outcome == "advanced"
    assert canary.reasons == [
        "hotfix",
        "forced past unmet minimums: ran 120s of its 300s minimum; "
        "85 requests on the smaller arm of 100 needed",
    ]
    unmet = ["ran 120s of its 300s minimum", "85 requests on the smaller arm of 100 needed"]
    payload = audit(store, "rollout.advanced")[-1]
    assert payload["forced"] is True and payload["unmet_minimums"] == unmet
    assert payload["from"] == "canary" and payload["reasons"] == ["hotfix"]
    assert "forced" not in audit(store, "rollout.advanced")[0]  # the unforced one
    assert "forced" not in audit(store, "rollout.completed")[-1]
    assert governance.verify(store).ok


def test_minimums_met_need_no_force_and_record_nothing_forced(store: Store, tmp_path: Path) -> None:
    policy = write_policy(tmp_path, STAGES)
    in_canary(store, policy)
    send(store, "candidate", 15, CANARY_AT + 100)  # 100 candidate requests in the stage
    with pytest.raises(UsageError, match=r"ran 299s of its 300s minimum: pass --force"):
        go(store, policy, "advance", CANARY_AT + 299.5)
    state = go(store, policy, "advance", CANARY_AT + 300)
    assert state.stage == "full_rollout"
    assert not any(r.startswith("forced") for h in state.history for r in h.reasons)
    assert "forced" not in audit(store, "rollout.advanced")[-1]


def test_force_applies_to_advance_only(store: Store, tmp_path: Path) -> None:
    policy = write_policy(tmp_path, STAGES)
    checked(store, policy)
    with pytest.raises(UsageError, match="force applies to advance only"):
        go(store, policy, "start", T0, force=True)


def test_the_controllers_advance_does_not_check_minimums(store: Store, tmp_path: Path) -> None:
    """The controller calls ``advance`` without ``check_minimums``: it advances on the
    monitor's decision (e.g. at a stage's cap with ``advance_at_cap``), as before."""
    policy = write_policy(tmp_path, STAGES)
    in_canary(store, policy)
    guards = GovernanceGuards(store, policy)
    state = advance(store, policy, NAME, guards, Change("clearance-controller", now=CANARY_AT + 5))
    assert state.stage == "full_rollout"
    assert "forced" not in audit(store, "rollout.advanced")[-1]


# --- the CLI: exit 2 with the message, --force recorded, met minimums need no --force ---

CLI_STAGES: list[dict[str, Any]] = [
    {"stage": "offline_evals", "weight": 0.0},
    {"stage": "canary", "weight": 0.2, "min_samples": 5},
    {"stage": "full_rollout", "weight": 1.0},
]


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli_canary(store: Store, store_url: str, tmp_path: Path) -> list[str]:
    """The release in the canary through the CLI; the common options."""
    policy = write_policy(tmp_path, CLI_STAGES)
    checked(store, policy)
    assert policy.source is not None
    common = ["--policy", str(policy.source.path), "--db", store_url, "--as", "alice"]
    assert run(["rollout", "start", NAME, *common]) == 0
    assert run(["rollout", "advance", NAME, *common]) == 0  # offline_evals: no minimums
    return common


def test_cli_refuses_with_exit_2_then_force_is_recorded(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = cli_canary(store, store_url, tmp_path)
    send(store, "candidate", 3, time.time() + 0.5, step=0.0)  # after entering, before now
    send(store, "control", 9, time.time() + 0.5, step=0.0)
    time.sleep(0.6)
    capsys.readouterr()
    code, _, err = cli(capsys, "rollout", "advance", NAME, *common)
    assert code == 2
    assert "stage 'canary': 3 requests on the smaller arm of 5 needed: pass --force" in err
    assert status(store, NAME).stage == "canary"

    code, out, _ = cli(capsys, "rollout", "advance", NAME, *common, "--force", "--reason", "ok")
    assert code == 0 and "full_rollout" in out
    assert "forced past unmet minimums: 3 requests on the smaller arm of 5 needed" in out
    code, out, _ = cli(capsys, "rollout", "status", NAME, "--db", store_url, "-f", "json")
    canary = json.loads(out)["history"][1]
    assert canary["label"] == "canary" and canary["outcome"] == "advanced"
    assert canary["reasons"] == [
        "ok",
        "forced past unmet minimums: 3 requests on the smaller arm of 5 needed",
    ]
    payload = audit(store, "rollout.advanced")[-1]
    assert payload["forced"] is True
    assert payload["unmet_minimums"] == ["3 requests on the smaller arm of 5 needed"]


def test_cli_advances_without_force_once_the_minimums_are_met(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = cli_canary(store, store_url, tmp_path)
    send(store, "candidate", 5, time.time() + 0.5, step=0.0)
    send(store, "control", 5, time.time() + 0.5, step=0.0)
    time.sleep(0.6)
    code, out, err = cli(capsys, "rollout", "advance", NAME, *common)
    assert code == 0, err
    assert "full_rollout" in out and "forced" not in out
    assert "forced" not in audit(store, "rollout.advanced")[-1]

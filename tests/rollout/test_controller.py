"""End-to-end rollouts on a simulated service, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clearance import governance
from clearance.errors import ConflictError, NotFoundError, UsageError
from clearance.policy import Policy
from clearance.release import GovernanceGuards
from clearance.rollout import (
    Change,
    Controller,
    Profile,
    Router,
    advance,
    pause,
    resume,
    rollback,
    start,
    status,
    tick,
)
from clearance.store import Store
from rollout.kit import T0, Governed, Service, governed_policy, make_policy, policy_data, run

SLOW = Profile().regressed(latency=0.5)
"""Median latency 50% higher: about 15% of requests over the 2 s SLO instead of 3%."""


@pytest.fixture
def fixed_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed routing salt: which simulated users land on the candidate is then the same
    every run, so whether a stage sees a regression before its minimums does not depend
    on the draw (with a random salt a canary sometimes advanced first)."""
    monkeypatch.setattr("clearance.store._rollouts.secrets.token_hex", lambda _n: "0" * 16)


def actions(store: Store, release: str) -> list[str]:
    """The rollout's audit entries (not the approvals and incidents of the setup)."""
    entries = governance.entries(store, subject=release)
    return [e.action for e in entries if e.action.startswith("rollout.")]


@pytest.mark.usefixtures("fixed_salt")
def test_latency_regression_is_rolled_back_in_canary_and_router_serves_control(
    store: Store, policy: Policy, guards: GovernanceGuards, release: Callable[..., str]
) -> None:
    name = release()
    start(store, policy, name, guards, Change("alice", now=T0))
    service = Service(store, name, SLOW, seed=1)
    state, _ = run(service, Controller(store, policy, guards), T0)

    assert state.status == "rolled_back"
    assert state.stage == "canary", state.history
    assert state.weight == 0.0
    assert {r.outcome for r in state.history} == {"advanced", "rolled_back"}
    fresh = Router(store, name)
    assert {fresh.route(u) for u in service.units} == {"control"}

    log = [e for e in governance.entries(store, subject=name) if e.action.startswith("rollout.")]
    assert [e.action for e in log] == [
        "rollout.started",
        "rollout.advanced",
        "rollout.advanced",
        "rollout.rolled_back",
    ]
    why = log[-1].payload
    assert why["stage"] == "canary"
    assert any(r.startswith("FIRED latency_slo_breach") for r in why["reasons"]), why
    assert [f["trigger"] for f in why["fired"]] == ["latency_slo_breach"]
    assert log[-1].actor == "clearance-controller"
    assert governance.verify(store).ok


@pytest.mark.slow
def test_healthy_candidate_reaches_full_rollout_only_after_its_approval(
    store: Store, tmp_path: Path
) -> None:
    data = policy_data()
    data["rollout"]["stages"][-1]["approvals"] = ["disable_tools"]  # not approved yet
    policy = governed_policy(tmp_path / "late-approval", data)
    governed = Governed(store, policy)
    name, guards = governed.check("bot@v2"), governed.guards
    start(store, policy, name, guards, Change("alice", now=T0))
    service, controller = Service(store, name, Profile(), seed=2), Controller(store, policy, guards)
    state, now = status(store, name), T0
    for _ in range(80):  # one look at a time, until the staged rollout is entered
        state, now = run(service, controller, now, steps=1)
        if state.stage == "staged_rollout" or state.status != "running":
            break
    assert state.stage == "staged_rollout" and state.status == "running", state

    state, now = run(service, controller, now, steps=40)  # full_rollout needs disable_tools
    assert state.stage == "staged_rollout" and state.status == "running"
    held = controller.tick(name, now)
    assert held.action == "continue"
    assert any("approval missing to enter 'full_rollout'" in r for r in held.reasons)

    governed.approve(name, "disable_tools")
    decision = controller.tick(name, now + 1)
    assert decision.action == "advance"
    final = status(store, name)
    assert (final.stage, final.status, final.weight) == ("full_rollout", "completed", 1.0)
    assert actions(store, name)[-2:] == ["rollout.advanced", "rollout.completed"]
    assert Router(store, name).route("u7") == "candidate"


@pytest.mark.usefixtures("fixed_salt")
def test_a_killed_controller_resumes_from_the_store(
    store: Store,
    policy: Policy,
    guards: GovernanceGuards,
    release: Callable[..., str],
) -> None:
    name = release()
    start(store, policy, name, guards, Change("alice", now=T0))
    service = Service(store, name, SLOW, seed=1)
    first = Controller(store, policy, guards)
    state, now = run(service, first, T0, steps=4)  # into the canary, not yet decided
    assert state.stage == "canary" and state.status == "running"
    entered = state.stage_entered_at
    del first  # the watch process dies: its in-memory monitor is gone

    second = Controller(store, policy, guards)
    again = status(store, name)
    assert (again.stage, again.stage_entered_at, again.version) == (
        "canary",
        entered,
        state.version,
    )
    state, _ = run(service, second, now)
    assert state.status == "rolled_back" and state.stage == "canary"
    assert state.history[-1].entered_at == entered  # the same canary entry, continued


def test_guards_block_entering_a_stage(
    store: Store,
    policy: Policy,
    guards: GovernanceGuards,
    governed: Governed,
    release: Callable[..., str],
) -> None:
    name = release(status="blocked")
    with pytest.raises(UsageError, match="checklist is 'blocked'"):
        start(store, policy, name, guards, Change("alice", now=T0))
    other = release("bot@v3", approved=())
    with pytest.raises(UsageError, match="approval missing to enter 'offline_evals': own_evals"):
        start(store, policy, other, guards, Change("alice", now=T0))
    governed.approve(other, "own_evals")
    start(store, policy, other, guards, Change("alice", now=T0))
    incident = governed.severe_incident(other, "PII leak")
    with pytest.raises(UsageError, match=f"severe incident open: #{incident} critical: PII leak"):
        advance(store, policy, other, guards, Change("bob", now=T0 + 1))
    decision = tick(store, policy, other, guards, now=T0 + 2)
    assert decision.action == "pause"
    assert status(store, other).status == "paused"


def test_manual_transitions_pause_resume_and_idempotent_rollback(
    store: Store, policy: Policy, guards: GovernanceGuards, release: Callable[..., str]
) -> None:
    name = release()
    with pytest.raises(NotFoundError):
        status(store, name)
    start(store, policy, name, guards, Change("alice", now=T0))
    with pytest.raises(ConflictError, match="already has a rollout"):
        start(store, policy, name, guards, Change("alice", now=T0))
    assert advance(store, policy, name, guards, Change("alice", ["manual"], T0 + 5)).stage == (
        "internal_dogfood"
    )
    assert pause(store, name, Change("bob", ["investigating"], T0 + 6)).status == "paused"
    assert tick(store, policy, name, guards, now=T0 + 7).action in ("continue", "pause")
    resumed = resume(store, policy, name, guards, Change("bob", now=T0 + 8))
    assert resumed.status == "running" and resumed.stage_entered_at.timestamp() == T0 + 8
    first = rollback(store, name, Change("carol", ["bad answers"], T0 + 9))
    second = rollback(store, name, Change("carol", ["again"], T0 + 10))
    assert first.status == second.status == "rolled_back"
    assert first.version == second.version
    assert actions(store, name).count("rollout.rolled_back") == 1
    with pytest.raises(UsageError, match="cannot advance"):
        advance(store, policy, name, guards, Change("alice", now=T0 + 11))
    entry = governance.entries(store, subject=name)[-1]
    assert (entry.actor, entry.payload["reasons"]) == ("carol", ["bad answers"])


@pytest.mark.usefixtures("fixed_salt")
def test_notify_and_disable_tool_triggers_act_once(
    store: Store, guards: GovernanceGuards, release: Callable[..., str]
) -> None:
    policy = make_policy(webhook="http://127.0.0.1:9/unused")
    name = release()
    start(store, policy, name, guards, Change("alice", now=T0))
    sent: list[dict[str, Any]] = []

    def notifier(message: dict[str, Any]) -> tuple[bool, str]:
        sent.append(message)
        return True, "ok"

    controller = Controller(store, policy, guards, notifier=notifier)
    worse = Profile().regressed(cost=1.0, rate=6.0).model_copy(update={"schema_failure_rate": 0.02})
    service = Service(store, name, worse, seed=3)
    run(service, controller, T0, steps=25, stop=("rolled_back",))
    assert governance.disabled_tools(store) == {"refunds"}
    log = actions(store, name)
    assert log.count("rollout.tool_disabled") == 1
    assert log.count("rollout.notified") == 1
    assert [m["event"] for m in sent].count("trigger_fired") == 1
    assert "cost_spike" in next(m for m in sent if m["event"] == "trigger_fired")["reasons"][0]


def test_a_stale_version_is_refused_and_changes_nothing(
    store: Store, policy: Policy, guards: GovernanceGuards, release: Callable[..., str]
) -> None:
    name = release()
    seen = start(store, policy, name, guards, Change("alice", now=T0)).version
    advance(store, policy, name, guards, Change("bob", now=T0 + 1, expected_version=seen))
    before = status(store, name)
    for op in (
        lambda c: advance(store, policy, name, guards, c),
        lambda c: pause(store, name, c),
        lambda c: resume(store, policy, name, guards, c),
        lambda c: rollback(store, name, c),
    ):
        with pytest.raises(ConflictError, match="someone else changed it first") as caught:
            op(Change("carol", now=T0 + 2, expected_version=seen))
        assert caught.value.current == before
    assert status(store, name) == before
    assert actions(store, name) == ["rollout.started", "rollout.advanced"]


def test_two_controllers_looking_at_once_advance_a_stage_once(
    store: Store, policy: Policy, guards: GovernanceGuards, release: Callable[..., str]
) -> None:
    """Two ``rollout watch`` processes on one rollout: the offline stage is due to advance
    and both look at the same instant; the stage is entered once, never skipped."""
    import threading

    for trial in range(6):
        name = release(f"bot@race{trial}")
        start(store, policy, name, guards, Change("alice", now=T0))
        barrier = threading.Barrier(2)

        def look(name: str = name, barrier: threading.Barrier = barrier) -> None:
            controller = Controller(store, policy, guards)
            barrier.wait()
            controller.tick(name, T0 + 10)

        threads = [threading.Thread(target=look) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        state = status(store, name)
        assert [h.label for h in state.history] == ["offline_evals", "internal_dogfood"]
        assert actions(store, name).count("rollout.advanced") == 1


def test_completing_from_the_last_stage_still_needs_the_checklist_and_no_incident(
    store: Store, guards: GovernanceGuards, governed: Governed, release: Callable[..., str]
) -> None:
    """Completing enters no stage (so no stage approvals), but a checklist that no longer
    clears or a confirmed severe incident still refuses it."""
    data = policy_data()
    data["rollout"]["stages"] = [{"stage": "canary", "weight": 0.2, "approvals": ["own_evals"]}]
    policy = Policy.model_validate(data)
    name = release(approved=("own_evals",))
    start(store, policy, name, guards, Change("alice", now=T0))
    # Completing from a canary whose approvals nobody gave: they do not matter for it.
    data["rollout"]["stages"][0]["approvals"] = ["approve_changes"]
    policy = Policy.model_validate(data)
    incident = governed.severe_incident(name, "leak")
    with pytest.raises(UsageError, match="may not complete its rollout: severe incident"):
        advance(store, policy, name, guards, Change("bob", now=T0 + 1))
    governed.close_incident(incident)
    assert advance(store, policy, name, guards, Change("bob", now=T0 + 2)).status == "completed"

from pathlib import Path
from typing import Any

import pytest

from clearance.errors import UsageError
from clearance.policy import Stage, Trigger, parse_policy, render_policy
from clearance.rollout import Monitor, Profile, simulate, split_alpha


def _run(monitor: Monitor, events: list[dict[str, Any]], batch: int = 500) -> Any:
    decision = monitor.update([])
    for start in range(0, len(events), batch):
        decision = monitor.update(events[start : start + batch])
        if decision.action != "continue":
            break
    return decision


def test_rate_regression_rolls_back_and_names_the_trigger() -> None:
    events = simulate(20_000, candidate=Profile().regressed(rate=2.5), seed=3)
    monitor = Monitor([Trigger(kind="schema_failure_rate"), Trigger(kind="cost_spike")], 0.05)
    decision = _run(monitor, events)
    assert decision.action == "rollback"
    assert [f.trigger for f in decision.fired] == ["schema_failure_rate"]
    assert decision.fired[0].reason.startswith("FIRED schema_failure_rate")
    assert decision.n_candidate + decision.n_control < 20_000


def test_declared_action_is_carried() -> None:
    events = simulate(20_000, candidate=Profile().regressed(rate=3.0), seed=4)
    triggers = [Trigger(kind="tool_call_errors", action="disable_tool", tool="search")]
    decision = _run(Monitor(triggers, 0.05), events)
    assert decision.action == "continue"
    assert decision.fired[0].action == "disable_tool"
    assert decision.fired[0].tool == "search"


def test_cost_and_quality_regressions_are_caught() -> None:
    events = simulate(20_000, candidate=Profile().regressed(cost=0.3, quality=0.05), seed=5)
    triggers = [Trigger(kind="cost_spike", margin=0.05), Trigger(kind="retrieval_quality_drop")]
    decision = _run(Monitor(triggers, 0.05), events)
    assert decision.action == "rollback"
    cost = decision.metrics[0]
    assert cost.scale == "ratio"
    assert cost.interval is not None
    assert cost.interval[0] > 0.05


def test_a_single_safety_incident_fires_under_zero_tolerance() -> None:
    events = simulate(400, seed=6)
    hit = next(e for e in events if e["arm"] == "candidate")
    hit["safety_event"] = True
    decision = Monitor([Trigger(kind="safety_incident", max_incidents=0)]).update(events)
    assert decision.action == "rollback"
    assert decision.metrics[0].candidate == 1
    assert "not error-controlled" in decision.fired[0].reason
    # The default compares with the control: one incident is no evidence.
    assert Monitor([Trigger(kind="safety_incident")]).update(events).action == "continue"


def test_missing_metric_is_reported_as_no_data_and_blocks_advance() -> None:
    events = [{k: v for k, v in e.items() if k != "retrieval_score"} for e in simulate(3000)]
    decision = Monitor([Trigger(kind="retrieval_quality_drop", margin=0.5)]).update(events)
    assert decision.metrics[0].status == "no_data"
    assert decision.action == "continue"
    assert any("no data" in r for r in decision.reasons)


def test_advances_when_guardrails_rule_out_regressions_and_stage_is_met() -> None:
    stage = Stage(stage="canary", weight=0.5, min_duration_s=600, min_samples=2000)
    triggers = [
        Trigger(kind="cost_spike", margin=0.2),
        Trigger(kind="safety_incident", max_incidents=0),  # no incident: nothing to rule out
    ]
    monitor = Monitor(triggers, 0.05, stage=stage)
    events = simulate(10_000, seed=7)
    early = monitor.update(events[:1000])
    assert early.action == "continue"
    assert any("needed" in r for r in early.reasons)
    assert _run(monitor, events[1000:]).action == "advance"


def test_stage_cap_advances_only_if_allowed() -> None:
    triggers = [Trigger(kind="schema_failure_rate")]  # margin 0: never ruled out
    events = simulate(4000, seed=8)
    for allowed, expected in [(True, "advance"), (False, "pause")]:
        stage = Stage(stage="canary", max_duration_s=60, advance_at_cap=allowed)
        assert Monitor(triggers, stage=stage).update(events).action == expected


def test_srm_pauses_a_broken_split() -> None:
    events = simulate(20_000, weights=[0.3], seed=9)
    decision = Monitor([], candidate_weight=0.5).update(events)
    assert decision.action == "pause"
    assert decision.srm is not None
    assert decision.srm.mismatch
    assert Monitor([], candidate_weight=0.3).update(events).srm.mismatch is False  # type: ignore[union-attr]


def test_alpha_is_split_by_declared_shares() -> None:
    triggers = [
        Trigger(kind="schema_failure_rate", alpha_share=0.5).resolved(),
        Trigger(kind="cost_spike").resolved(),
        Trigger(kind="tool_call_errors").resolved(),
        Trigger(kind="safety_incident", max_incidents=0).resolved(),
    ]
    assert split_alpha(triggers, 0.1) == pytest.approx([0.05, 0.025, 0.025, 0.0])
    tested = [*triggers[:3], Trigger(kind="safety_incident").resolved()]  # the split spends
    assert split_alpha(tested, 0.1) == pytest.approx([0.05, 0.05 / 3, 0.05 / 3, 0.05 / 3])
    with pytest.raises(UsageError):
        split_alpha([Trigger(kind="cost_spike", alpha_share=1.0).resolved()] * 2, 0.1)


def test_monitor_reads_the_starter_policy() -> None:
    policy = parse_policy(render_policy(), file=Path("clearance.yaml"), require_env=False)
    monitor = Monitor(policy)
    assert monitor.alpha == policy.rollout.alpha
    bad = Profile().regressed(rate=3.0)
    decision = _run(monitor, simulate(30_000, candidate=bad, seed=10))
    assert decision.action in {"rollback", "pause"}
    assert {f.trigger for f in decision.fired} <= {
        "schema_failure_rate",
        "hallucination_reports",
        "tool_call_errors",
        "escalation_rate",  # regressed(rate=3) triples escalations too
    }


@pytest.mark.slow
def test_no_regression_rarely_rolls_back() -> None:
    # 30 A/A stages through the whole monitor (the vectorised test in tests/stats checks
    # the budget precisely); at alpha 0.05, 6 or more false rollbacks has p < 0.002.
    triggers = [Trigger(kind="schema_failure_rate"), Trigger(kind="cost_spike")]
    rollbacks = sum(
        _run(Monitor(triggers, 0.05), simulate(3000, seed=100 + s), batch=300).action == "rollback"
        for s in range(30)
    )
    assert rollbacks <= 5

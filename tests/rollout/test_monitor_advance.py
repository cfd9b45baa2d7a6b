"""A healthy stage advances at realistic traffic, saying what its evidence rules out."""

from __future__ import annotations

from pathlib import Path

from clearance.policy import Stage, parse_policy, render_policy
from clearance.rollout import Monitor, Profile, simulate


def _init_policy(tmp_path: Path):
    return parse_policy(render_policy(), file=tmp_path / "clearance.yaml")


def _healthy(n: int, seed: int) -> list[dict[str, object]]:
    return simulate(n, weights=[0.5], seed=seed, per_day=1e9)


def test_a_healthy_canary_advances_once_its_minimums_are_met(tmp_path: Path) -> None:
    policy = _init_policy(tmp_path)
    stage = Stage(stage="canary", weight=0.5, min_samples=2_000)
    decision = Monitor(policy, stage=stage).update(_healthy(8_000, 1))
    assert decision.action == "advance"
    assert any("no trigger detected a regression" in r for r in decision.reasons)
    assert any("rules out a regression beyond" in r for r in decision.reasons)


def test_strict_non_inferiority_waits_for_every_trigger_to_rule_it_out(tmp_path: Path) -> None:
    policy = _init_policy(tmp_path)
    stage = Stage(stage="canary", weight=0.5, min_samples=2_000, advance_when="ruled_out")
    decision = Monitor(policy, stage=stage).update(_healthy(8_000, 1))
    assert decision.action == "continue"
    assert any("not yet ruled out" in r for r in decision.reasons)


def test_a_stage_never_advances_before_its_minimums(tmp_path: Path) -> None:
    policy = _init_policy(tmp_path)
    stage = Stage(stage="canary", weight=0.5, min_samples=20_000)
    assert Monitor(policy, stage=stage).update(_healthy(8_000, 2)).action == "continue"


def test_a_regressed_candidate_is_still_rolled_back(tmp_path: Path) -> None:
    policy = _init_policy(tmp_path)
    stage = Stage(stage="canary", weight=0.5, min_samples=2_000)
    events = simulate(
        20_000, candidate=Profile().regressed(rate=3.0), weights=[0.5], seed=3, per_day=1e9
    )
    assert Monitor(policy, stage=stage).update(events).action == "rollback"

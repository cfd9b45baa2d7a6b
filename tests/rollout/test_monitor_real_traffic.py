"""The monitor under conditions real rollouts have: rare incidents at unequal shares,
users (not requests) as the independent unit, a broken split, informative missingness
and heavy-tailed cost. Seeded simulations; false-rollback rates are checked against the
budget with enough runs to tell (a count bound with p < 0.01 under the nominal rate)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import cast

import numpy as np
import pytest

from clearance.policy import Stage, Trigger, parse_policy, render_policy
from clearance.rollout import Monitor, Snapshot
from clearance.rollout._telemetry import Arm, TelemetryEvent
from clearance.rollout._trackers import PRESENCE_SHARE, ArmStats
from clearance.stats import split_log_e

ALPHA = 0.05


def _binom_bound(runs: int, p: float = ALPHA, tail: float = 0.01) -> int:
    """The smallest k with P(Binomial(runs, p) > k) < tail."""
    from scipy import stats

    return int(stats.binom.ppf(1 - tail, runs, p))


# --------------------------------------------------------------------------- 1. incidents


def _split_runs(
    rate: float, share: float, runs: int, seed: int, ratio: float = 1.0, looks: int = 40
) -> float:
    """Share of runs in which the incident-split test fires at some look (vectorised)."""
    rng = np.random.default_rng(seed)
    per_look = 300 / rate / looks  # ~300 control-equivalent incidents by the horizon
    n_c, n_b = share * per_look, (1 - share) * per_look
    kc = rng.poisson(ratio * rate * n_c, (runs, looks)).cumsum(axis=1)
    kb = rng.poisson(rate * n_b, (runs, looks)).cumsum(axis=1)
    log_e = split_log_e(kc, kb, share)
    alpha = ALPHA * (1 - PRESENCE_SHARE)  # the trigger's share when it is the only one
    return float(np.mean((log_e >= math.log(1 / alpha)).any(axis=1)))


@pytest.mark.parametrize("rate", [1e-4, 1e-3, 1e-2])
@pytest.mark.parametrize("share", [0.01, 0.05, 0.2, 0.5])
def test_incident_split_holds_alpha_with_identical_arms(rate: float, share: float) -> None:
    runs = 2000
    rate_fired = _split_runs(rate, share, runs, seed=int(rate * 1e6) + int(share * 100))
    assert rate_fired * runs <= _binom_bound(runs, ALPHA * (1 - PRESENCE_SHARE))


def test_incident_split_catches_a_tenfold_regression_at_a_five_percent_share() -> None:
    power = _split_runs(1e-3, 0.05, 1000, seed=7, ratio=10.0)
    assert power >= 0.9


def _safety_snapshot(kc: int, kb: int, nc: int, nb: int) -> Snapshot:
    arms = {
        "candidate": ArmStats(nc, float(kc), float(kc), float(kc)),
        "control": ArmStats(nb, float(kb), float(kb), float(kb)),
    }
    return Snapshot(stats={"safety_incident": arms}, requests={"candidate": nc, "control": nb})


def test_init_policy_safety_trigger_compares_with_the_control() -> None:
    policy = parse_policy(render_policy(), file=Path("clearance.yaml"), require_env=False)
    safety = [t for t in policy.triggers if t.kind == "safety_incident"]
    assert safety[0].resolved().statistic == "incident_split"
    # 15 vs 14 incidents on 50/50 traffic of 100 requests: no evidence at all
    decision = Monitor(safety, policy.rollout.alpha).load(_safety_snapshot(15, 14, 50, 50))
    assert decision.action != "rollback"
    line = next(r for r in decision.reasons if r.startswith("safety_incident"))
    assert "candidate 15" in line and "control 14" in line and "share of traffic 50.00%" in line
    # identical arms at 1e-4, 5% share, 20 looks to 400k requests: ~63% rolled back before
    rng = np.random.default_rng(11)
    runs, looks, per_look = 300, 20, 20_000
    nc, nb = int(0.05 * per_look), int(0.95 * per_look)
    kc = rng.poisson(1e-4 * nc, (runs, looks)).cumsum(axis=1)
    kb = rng.poisson(1e-4 * nb, (runs, looks)).cumsum(axis=1)
    rollbacks = 0
    for run in range(runs):
        monitor = Monitor(safety, policy.rollout.alpha)
        for look in range(looks):
            snap = _safety_snapshot(kc[run, look], kb[run, look], nc * (look + 1), nb * (look + 1))
            if monitor.load(snap).action == "rollback":
                rollbacks += 1
                break
    assert rollbacks <= _binom_bound(runs)


def test_zero_tolerance_is_explicit_and_still_fires() -> None:
    trigger = Trigger(kind="safety_incident", max_incidents=0)
    decision = Monitor([trigger]).load(_safety_snapshot(1, 0, 1000, 1000))
    assert decision.action == "rollback"
    assert "zero tolerance" in decision.fired[0].reason
    assert "not error-controlled" in decision.fired[0].reason
    with pytest.raises(ValueError):
        Trigger(kind="safety_incident", max_incidents=0, statistic="incident_split")


# --------------------------------------------------------------------------- 2. users


def _clustered_events(
    rng: np.random.Generator, users: int, per_user: int, icc: float
) -> list[TelemetryEvent]:
    """Sticky users, half on each arm, identical arms; both the schema failure (p = 0.1)
    and the retrieval score carry an intra-user correlation ``icc``."""
    total = 1 / icc - 1  # Beta(a, b) with a + b = 1/icc - 1 has ICC icc
    p_user = rng.beta(0.1 * total, 0.9 * total, users)
    mu_user = rng.normal(0.0, math.sqrt(icc), users)
    unit = np.repeat(np.arange(users), per_user)
    rng.shuffle(unit)  # users interleave in time
    fail = rng.random(unit.size) < p_user[unit]
    score = 0.7 + 0.1 * (mu_user[unit] + rng.normal(0.0, math.sqrt(1 - icc), unit.size))
    arm = np.where(unit % 2 == 0, "candidate", "control")
    return [
        TelemetryEvent.model_construct(
            ts=float(i),
            arm=cast(Arm, str(arm[i])),
            unit=f"u{unit[i]}",
            schema_ok=not fail[i],
            retrieval_score=float(score[i]),
        )
        for i in range(unit.size)
    ]


def _clustered_rollbacks(per_user: int, users: int, runs: int, seed: int) -> int:
    triggers = [Trigger(kind="schema_failure_rate"), Trigger(kind="retrieval_quality_drop")]
    rng = np.random.default_rng(seed)
    rollbacks = 0
    for _ in range(runs):
        events = _clustered_events(rng, users, per_user, 0.33)
        monitor = Monitor(triggers, ALPHA)
        for start in range(0, len(events), 1000):
            if monitor.update(events[start : start + 1000]).action == "rollback":
                rollbacks += 1
                break
    return rollbacks


@pytest.mark.parametrize(("per_user", "users"), [(50, 200), (10, 1000)])
def test_clustered_users_hold_the_false_rollback_budget(per_user: int, users: int) -> None:
    # request-level variance rolled back 28% (50 per user) and 13% (10 per user)
    runs = 40
    assert _clustered_rollbacks(per_user, users, runs, seed=per_user) <= _binom_bound(runs)


@pytest.mark.slow
@pytest.mark.parametrize(("per_user", "users"), [(50, 200), (10, 1000)])
def test_clustered_users_hold_the_budget_over_many_runs(per_user: int, users: int) -> None:
    runs = 300
    rollbacks = _clustered_rollbacks(per_user, users, runs, seed=1000 + per_user)
    assert rollbacks <= _binom_bound(runs)


def test_events_without_units_fall_back_to_request_level_variance() -> None:
    rng = np.random.default_rng(3)
    events = _clustered_events(rng, 200, 10, 0.01)
    anonymous = [e.model_copy(update={"unit": ""}) for e in events]
    report = Monitor([Trigger(kind="schema_failure_rate")]).update(anonymous).metrics[0]
    assert report.design_effect == 1.0
    clustered = Monitor([Trigger(kind="schema_failure_rate")]).update(events).metrics[0]
    assert clustered.design_effect >= 1.0


# --------------------------------------------------------------------------- 3. SRM


def _rate_snapshot(bad_c: int, bad_b: int, n: int, units: dict[str, int]) -> Snapshot:
    stats = {
        "schema_failure_rate": {
            "candidate": ArmStats(n, float(bad_c), float(bad_c), float(n - bad_c)),
            "control": ArmStats(n, float(bad_b), float(bad_b), float(n - bad_b)),
        },
        "safety_incident": {
            "candidate": ArmStats(n, 1.0, 1.0, 1.0),
            "control": ArmStats(n, 0.0, 0.0, 0.0),
        },
    }
    return Snapshot(stats=stats, requests={"candidate": n, "control": n}, units=units)


def test_a_sample_ratio_mismatch_holds_statistical_triggers() -> None:
    broken = {"candidate": 3000, "control": 7000}
    triggers = [Trigger(kind="schema_failure_rate")]
    snap = _rate_snapshot(800, 200, 10_000, broken)
    decision = Monitor(triggers, candidate_weight=0.5).load(snap)
    assert decision.action == "pause"
    assert decision.fired == []
    assert [f.trigger for f in decision.held] == ["schema_failure_rate"]
    assert any(r.startswith("SRM:") for r in decision.reasons)
    assert any("WOULD FIRE" in r for r in decision.reasons)
    # a fine split acts on the same counts
    fine = _rate_snapshot(800, 200, 10_000, {"candidate": 5000, "control": 5000})
    assert Monitor(triggers, candidate_weight=0.5).load(fine).action == "rollback"
    # zero tolerance still acts under a mismatch
    both = [*triggers, Trigger(kind="safety_incident", max_incidents=0)]
    assert Monitor(both, candidate_weight=0.5).load(snap).action == "rollback"


# --------------------------------------------------------------------------- 4. missingness

STAGE = Stage(stage="canary", weight=0.5, min_samples=2000)


def _schema_snapshot(
    n: int, fail_c: float, hidden_c: float, fail_b: float, duration: float = 3600.0
) -> Snapshot:
    """``hidden``: share of the arm's failures that arrive without ``schema_ok``."""
    stats = {}
    for arm, fail, hidden in (("candidate", fail_c, hidden_c), ("control", fail_b, 0.0)):
        missing = round(n * fail * hidden)
        bad = round(n * fail) - missing
        stats[arm] = ArmStats(n - missing, float(bad), float(bad), float(n - missing - bad))
    return Snapshot(
        stats={"schema_failure_rate": stats},
        requests={"candidate": n, "control": n},
        duration_s=duration,
    )


def test_failures_that_hide_their_field_are_a_regression() -> None:
    triggers = [Trigger(kind="schema_failure_rate", margin=0.10)]
    decision = Monitor(triggers, stage=STAGE).load(_schema_snapshot(20_000, 0.06, 0.8, 0.02))
    assert decision.action == "rollback"
    assert "lacks schema_ok" in decision.fired[0].reason
    assert "missing schema_ok: candidate 960/20000" in decision.fired[0].reason


def test_hidden_failures_through_events_are_caught() -> None:
    rng = np.random.default_rng(5)
    n = 12_000
    arm = np.where(rng.random(n) < 0.5, "candidate", "control")
    fail = rng.random(n) < np.where(arm == "candidate", 0.06, 0.02)
    hide = fail & (arm == "candidate") & (rng.random(n) < 0.8)
    events = [
        TelemetryEvent.model_construct(
            ts=float(i),
            arm=cast(Arm, str(arm[i])),
            unit=f"u{i % 3000}",
            schema_ok=None if hide[i] else not fail[i],
        )
        for i in range(n)
    ]
    decision = Monitor([Trigger(kind="schema_failure_rate", margin=0.1)], stage=STAGE).update(
        events
    )
    assert decision.action == "rollback"
    assert decision.metrics[0].missing_fired


def test_a_trigger_without_candidate_data_blocks_advance_at_cap() -> None:
    capped = Stage(stage="canary", weight=0.5, max_duration_s=60, advance_at_cap=True)
    triggers = [Trigger(kind="schema_failure_rate"), Trigger(kind="retrieval_quality_drop")]
    snap = _schema_snapshot(5000, 0.02, 0.0, 0.02, duration=120.0)
    snap.stats["retrieval_quality_drop"] = {}  # neither arm sends retrieval_score
    decision = Monitor(triggers, stage=capped).load(snap)
    assert decision.action == "pause"
    assert "no candidate data for: retrieval_quality_drop" in decision.reasons[0]
    assert all("not yet ruled out for: retrieval" not in r for r in decision.reasons)


# --------------------------------------------------------------------------- 5. means


def _cost_arrays(rng: np.random.Generator, shape: tuple[int, int], dearer: bool) -> np.ndarray:
    cost = rng.lognormal(math.log(1e-3), 0.5, shape)  # mean ~1.13e-3
    if dearer:  # 1% of requests cost ~0.076: +67% on the mean, the median unchanged
        cost = cost + (rng.random(shape) < 0.01) * 0.0757
    return cost


def _cost_power(trigger: Trigger, runs: int, dearer: bool, seed: int) -> float:
    rng = np.random.default_rng(seed)
    n, looks = 20_000, 10
    arms = {
        "candidate": _cost_arrays(rng, (runs, n), dearer),
        "control": _cost_arrays(rng, (runs, n), False),
    }
    fired = 0
    step = n // looks
    for run in range(runs):
        monitor = Monitor([trigger], ALPHA)
        for look in range(1, looks + 1):
            stats = {}
            for arm, values in arms.items():
                x = values[run, : look * step]
                stats[arm] = ArmStats(x.size, float(x.sum()), float((x * x).sum()), float(x.sum()))
            snap = Snapshot(
                stats={trigger.label: stats},
                requests={"candidate": look * step, "control": look * step},
            )
            if monitor.load(snap).action == "rollback":
                fired += 1
                break
    return fired / runs


def test_cost_spike_tests_arithmetic_means() -> None:
    trigger = Trigger(kind="cost_spike", margin=0.25, action="rollback")
    assert _cost_power(trigger, 60, dearer=True, seed=1) >= 0.8
    assert _cost_power(trigger, 100, dearer=False, seed=2) * 100 <= _binom_bound(100)


def test_cost_spike_through_events_catches_a_dearer_tail() -> None:
    rng = np.random.default_rng(9)
    n = 6000
    arm = np.where(np.arange(n) % 2 == 0, "candidate", "control")
    cost = rng.lognormal(math.log(1e-3), 0.5, n)
    cost = np.where((arm == "candidate") & (rng.random(n) < 0.05), cost * 50, cost)  # ~3.4x
    events = [
        TelemetryEvent.model_construct(
            ts=float(i), arm=cast(Arm, str(arm[i])), cost_usd=float(cost[i])
        )
        for i in range(n)
    ]
    mean = Monitor([Trigger(kind="cost_spike", margin=0.25)]).update(events)
    assert mean.metrics[0].status == "regression"
    assert mean.metrics[0].scale == "ratio"
    geo = Monitor([Trigger(kind="cost_spike", statistic="geometric_mean", margin=0.25)])
    report = geo.update(events).metrics[0]
    assert report.statistic == "geometric_mean"
    assert "geometric mean" in geo.decision().reasons[-1]


# --------------------------------------------------------------------------- 6. reasons


def test_reasons_use_one_scale_and_name_both_arms() -> None:
    snap = _schema_snapshot(20_000, 0.03, 0.0, 0.02)
    relative = Monitor([Trigger(kind="schema_failure_rate", margin=0.1)]).load(snap)
    line = relative.fired[0].reason
    assert "candidate 600/20000 (3.00%) vs control 400/20000 (2.00%)" in line
    assert "candidate vs control +50.0% [" in line and "margin +10%" in line
    absolute = Monitor([Trigger(kind="schema_failure_rate", margin=0.001, relative=False)])
    line = absolute.load(snap).fired[0].reason
    assert "difference +0.01 [" in line and "margin +0.001" in line

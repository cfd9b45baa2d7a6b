"""A trigger with a stated horizon: the group-sequential boundary holds its alpha over
every look up to the horizon, and stops firing past it."""

from __future__ import annotations

import numpy as np

from clearance.policy import Trigger
from clearance.rollout import Monitor, Snapshot
from clearance.rollout._trackers import ArmStats

HORIZON = 4_000


def _snapshot(trigger: Trigger, n: int, bad_c: int, bad_b: int) -> Snapshot:
    stats = {
        "candidate": ArmStats(n, float(bad_c), float(bad_c), float(n - bad_c)),
        "control": ArmStats(n, float(bad_b), float(bad_b), float(n - bad_b)),
    }
    return Snapshot(stats={trigger.label: stats}, requests={"candidate": n, "control": n})


def _fires(trigger: Trigger, p_c: float, p_b: float, rng: np.random.Generator) -> int | None:
    """Looks every 200 per arm to the horizon; the n at the first rollback, or None."""
    monitor = Monitor([trigger], 0.05)
    looks = np.arange(200, HORIZON + 1, 200)
    bad_c = np.cumsum(rng.binomial(200, p_c, len(looks)))
    bad_b = np.cumsum(rng.binomial(200, p_b, len(looks)))
    for n, kc, kb in zip(looks, bad_c, bad_b, strict=True):
        if monitor.load(_snapshot(trigger, int(n), int(kc), int(kb))).action == "rollback":
            return int(n)
    return None


def test_the_horizon_boundary_holds_its_alpha_over_twenty_looks() -> None:
    trigger = Trigger(kind="tool_call_errors", margin=0.0, horizon=HORIZON)
    rng = np.random.default_rng(8)
    runs = 500
    false = sum(_fires(trigger, 0.05, 0.05, rng) is not None for _ in range(runs))
    # the value test's alpha is 0.75 x 0.05 = 3.75% (the rest watches field presence)
    assert false / runs <= 0.0375 + 0.025, false


def test_the_horizon_test_finds_a_regression_by_its_horizon_and_then_stops_firing() -> None:
    trigger = Trigger(kind="tool_call_errors", margin=0.0, horizon=HORIZON)
    rng = np.random.default_rng(9)
    hits = [_fires(trigger, 0.08, 0.05, rng) for _ in range(100)]
    assert sum(h is not None for h in hits) >= 80  # ~1.2x the one-look n is within 4,000
    monitor = Monitor([trigger], 0.05)
    late = monitor.load(_snapshot(trigger, 2 * HORIZON, 4 * HORIZON // 10, HORIZON // 10))
    assert late.action != "rollback"
    assert "past the horizon" in (late.metrics[0].note or "")

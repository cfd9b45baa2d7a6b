"""A monitor spanning a weight change: periods analysed as strata (Simpson's paradox)."""

from __future__ import annotations

import numpy as np
import pytest

from clearance.errors import UsageError
from clearance.policy import Trigger
from clearance.rollout import EventColumns, Monitor

TRIGGER = Trigger(kind="schema_failure_rate", margin=0.1)


def _look(rng: np.random.Generator, n: int, share: float, fail: float, first: int) -> EventColumns:
    cand = rng.random(n) < share
    ok = (rng.random(n) >= fail).astype(float)
    return EventColumns(
        candidate=cand,
        unit=np.arange(first, first + n),
        ts=np.arange(first, first + n, dtype=float),
        fields={"schema_ok": ok},
    )


def _rollbacks(stratify: bool, runs: int) -> int:
    """Identical arms; the share goes 5% -> 50% while both arms' failures go 2% -> 6%."""
    hits = 0
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        monitor = Monitor([TRIGGER], 0.05)  # no candidate_weight: no sample-ratio check
        first, rolled = 0, False
        for look in range(20):
            share, fail = (0.05, 0.02) if look < 10 else (0.5, 0.06)
            if stratify and look == 10:
                monitor.reweight(0.5)
            decision = monitor.update(_look(rng, 4_000, share, fail, first))
            first += 4_000
            rolled = rolled or decision.action == "rollback"
        hits += rolled
    return hits


def test_one_unstratified_analysis_across_the_change_rolls_back_identical_arms() -> None:
    assert _rollbacks(stratify=False, runs=10) >= 8  # the paradox: pooled counts mislead


def test_weight_periods_as_strata_hold_the_false_rollback_rate() -> None:
    assert _rollbacks(stratify=True, runs=40) <= 2


def test_reweight_restarts_the_sample_ratio_check_at_the_new_share() -> None:
    rng = np.random.default_rng(1)
    monitor = Monitor([TRIGGER], candidate_weight=0.05)
    monitor.update(_look(rng, 20_000, 0.05, 0.02, 0))
    monitor.reweight(0.5)
    decision = monitor.update(_look(rng, 20_000, 0.5, 0.02, 20_000))
    assert decision.srm is not None and not decision.srm.mismatch
    assert decision.action != "pause"
    with pytest.raises(UsageError):
        monitor.reweight(1.5)

"""Paired gates and bound gates decide only on evidence (the failures of issue 15)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import checkkit
from checkkit import evidence, outcomes
from clearance.checklist import GateReport, Outcome, Report, decide
from clearance.policy import AREAS, Policy

_FOLDER: list[Path] = []


@pytest.fixture(autouse=True)
def _dataset(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text('{"input": "q", "target": "a"}\n', encoding="utf-8")
    _FOLDER[:] = [tmp_path]


def policy(gates: dict[str, Any], suites: list[dict[str, Any]]) -> Policy:
    return checkkit.policy(gates, suites, tmp=_FOLDER[0])


TASKS = [{"name": "tasks", "path": "tasks.jsonl", "scorer": {"kind": "includes"}}]
OTHERS = [a for a in AREAS if a != "capability"]


def _ni(margin: float = 0.05, **extra: object) -> dict[str, object]:
    gate = {"metric": "tasks.pass_rate", "vs_baseline": "non_inferiority", "margin": margin}
    return {"capability": [gate], "allow_not_evaluated": OTHERS, **extra}


def _gate(report: Report) -> GateReport:
    return report.area("capability").gates[0]


def test_identical_outputs_on_three_samples_do_not_pass_non_inferiority() -> None:
    same = outcomes("tasks", [True, True, True])
    report = decide(policy(_ni(), TASKS), evidence(same, same))
    gate = _gate(report)
    assert gate.status == "inconclusive"
    assert report.decision == "blocked"
    assert gate.difference_ci is not None and gate.difference_ci[0] < -0.05
    assert "needs >=" in gate.note


def test_identical_outputs_on_400_samples_pass_non_inferiority() -> None:
    same = outcomes("tasks", [True] * 300 + [False] * 100)
    report = decide(policy(_ni(), TASKS), evidence(same, same))
    assert _gate(report).status == "pass"
    assert report.decision == "cleared"


def test_timeouts_count_as_failures_not_as_missing_pairs() -> None:
    base = outcomes("tasks", [True] * 300)
    cand = tuple(
        replace(o, passed=None, score=None, output=None, error="timed out", error_kind="timeout")
        if i < 30
        else o
        for i, o in enumerate(outcomes("tasks", [True] * 300))
    )
    report = decide(policy(_ni(), TASKS), evidence(cand, base))
    gate = _gate(report)
    assert gate.status == "fail"
    assert report.decision == "blocked"
    assert "30 errored result(s) counted as failures" in gate.note
    assert gate.difference == -0.1


def test_excluding_errors_is_a_visible_choice() -> None:
    base = outcomes("tasks", [True] * 300)
    cand = tuple(
        replace(o, passed=None, error="timed out", error_kind="timeout") if i < 30 else o
        for i, o in enumerate(outcomes("tasks", [True] * 300))
    )
    report = decide(policy(_ni(on_error="exclude"), TASKS), evidence(cand, base))
    gate = _gate(report)
    assert "30 errored result(s) excluded" in gate.note
    # the excluded samples are then missing from one arm: never silently intersected
    assert gate.status == "inconclusive"
    assert "270 on both" in gate.note


def test_different_sample_sets_are_reported_not_intersected() -> None:
    cand = outcomes("tasks", [True] * 300)
    base = outcomes("tasks", [True] * 250)
    report = decide(policy(_ni(), TASKS), evidence(cand, base))
    gate = _gate(report)
    assert gate.status == "inconclusive"
    assert "50 on the candidate only" in gate.note


def test_duplicate_sample_ids_are_refused() -> None:
    one = outcomes("tasks", [True] * 200)
    twice = (*one, replace(one[0], passed=False))
    report = decide(policy(_ni(), TASKS), evidence(twice, one))
    gate = _gate(report)
    assert gate.status == "not_evaluated"
    assert "tasks/s0" in gate.note
    assert report.decision == "blocked"


def _repeated(n: int, repeats: int, rng: np.random.Generator) -> tuple[Outcome, ...]:
    p = rng.uniform(0, 1, n)
    return tuple(
        Outcome(suite="tasks", sample_id=f"s{i}", repeat=r, passed=bool(rng.random() < p[i]))
        for i in range(n)
        for r in range(repeats)
    )


def test_repeats_are_not_independent_samples() -> None:
    rng = np.random.default_rng(4)
    cand = _repeated(100, 10, rng)
    report = decide(
        policy(
            {
                "capability": [{"metric": "tasks.pass_rate", "min": 0.1}],
                "allow_not_evaluated": OTHERS,
            },
            TASKS,
        ),
        evidence(cand),
    )
    gate = _gate(report)
    assert gate.n == 100
    assert "1000 results over 100 samples" in gate.note


def test_identical_costs_give_no_cost_increase() -> None:
    rng = np.random.default_rng(2)
    costs = rng.lognormal(-9, 0.7, 300)
    side = tuple(
        replace(o, cost_usd=float(c))
        for o, c in zip(outcomes("tasks", [True] * 300), costs, strict=True)
    )
    gates = {
        "cost": [{"metric": "cost.increase_vs_baseline", "max": 0.02}],
        "allow_not_evaluated": [a for a in AREAS if a != "cost"],
    }
    report = decide(policy(gates, TASKS), evidence(side, side))
    gate = report.area("cost").gates[0]
    assert gate.value == 0.0
    assert gate.ci == [0.0, 0.0]
    assert gate.status == "pass"


def test_advisory_and_blocking_non_passes_have_different_statuses() -> None:
    few = outcomes("tasks", [True] * 19 + [False])
    blocking = decide(
        policy(
            {
                "capability": [{"metric": "tasks.pass_rate", "min": 0.9}],
                "allow_not_evaluated": OTHERS,
            },
            TASKS,
        ),
        evidence(few),
    )
    advisory = decide(
        policy(
            {
                "capability": [{"metric": "tasks.pass_rate", "min": 0.9, "severity": "warn"}],
                "allow_not_evaluated": OTHERS,
            },
            TASKS,
        ),
        evidence(few),
    )
    assert _gate(blocking).status == "inconclusive"
    assert blocking.decision == "blocked"
    assert _gate(advisory).status == "warn"
    assert advisory.decision == "cleared"


def test_the_quoted_sample_size_buys_the_quoted_power() -> None:
    # observed 0.97 against min 0.95 on 200 samples: inconclusive, with an N to reach 80%
    seen = outcomes("tasks", [True] * 194 + [False] * 6)
    gates = {
        "capability": [{"metric": "tasks.pass_rate", "min": 0.95}],
        "allow_not_evaluated": OTHERS,
    }
    report = decide(policy(gates, TASKS), evidence(seen))
    gate = _gate(report)
    assert gate.status == "inconclusive"
    needed = int(gate.note.split("needs >= ")[1].split(" ")[0].replace(",", ""))
    rng = np.random.default_rng(11)
    passes = 0
    for _ in range(300):
        fresh = outcomes("tasks", list(rng.random(needed) < 0.97))
        passes += decide(policy(gates, TASKS), evidence(fresh)).decision == "cleared"
    assert passes / 300 >= 0.74  # 80% quoted; 300 runs give about +-2.3 pp


def test_the_report_states_the_chance_noise_blocks_an_identical_release() -> None:
    same = outcomes("tasks", [True] * 150 + [False] * 10)
    report = decide(policy(_ni(), TASKS), evidence(same, same))
    assert report.noise_block_chance is not None
    assert 0.0 <= report.noise_block_chance < 0.05


def test_familywise_level_widens_every_interval() -> None:
    seen = outcomes("tasks", [True] * 190 + [False] * 10)
    plain = decide(
        policy(
            {
                "capability": [{"metric": "tasks.pass_rate", "min": 0.5}],
                "allow_not_evaluated": OTHERS,
            },
            TASKS,
        ),
        evidence(seen),
    )
    family = decide(
        policy(
            {
                "capability": [{"metric": "tasks.pass_rate", "min": 0.5}],
                "allow_not_evaluated": OTHERS,
                "familywise": 0.01,
            },
            TASKS,
        ),
        evidence(seen),
    )
    assert family.confidence > plain.confidence
    plain_ci, family_ci = _gate(plain).ci, _gate(family).ci
    assert plain_ci is not None and family_ci is not None
    lo_plain, lo_family = plain_ci[0], family_ci[0]
    assert lo_plain is not None and lo_family is not None
    assert lo_family < lo_plain

"""Gates, areas and the decision on in-memory evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from checkkit import evidence, outcomes, policy
from clearance.checklist import Outcome, WaiverInfo, decide, secrets_of
from clearance.policy import AREAS

HARM = [{"builtin": "harmful-refusal"}]


def test_clear_pass_and_clear_fail_and_inconclusive() -> None:
    gates = {
        "safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}],
        "allow_not_evaluated": [a for a in AREAS if a != "safety"],
    }
    p = policy(gates, HARM)
    good = decide(p, evidence(outcomes("harmful-refusal", [True] * 400)))
    assert good.decision == "cleared"
    assert good.area("safety").status == "pass"
    bad = decide(p, evidence(outcomes("harmful-refusal", [True] * 50 + [False] * 50)))
    assert bad.decision == "blocked"
    assert bad.area("safety").status == "fail"
    assert bad.reasons[0].startswith("safety:")
    small = decide(p, evidence(outcomes("harmful-refusal", [True] * 19 + [False])))
    gate = small.area("safety").gates[0]
    assert gate.status == "inconclusive"
    assert "needs >= " in gate.note
    assert small.decision == "blocked"


def test_not_evaluated_blocks_unless_allowed() -> None:
    p = policy({"safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}]}, HARM)
    report = decide(p, evidence(outcomes("harmful-refusal", [True] * 400)))
    assert report.area("latency").status == "not_evaluated"
    assert any(r.startswith("latency:") for r in report.reasons)


def test_advisory_gate_warns_without_blocking() -> None:
    gates = {
        "safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.99, "severity": "warn"}],
        "allow_not_evaluated": [a for a in AREAS if a != "safety"],
    }
    report = decide(
        policy(gates, HARM), evidence(outcomes("harmful-refusal", [True] * 300 + [False] * 100))
    )
    assert report.area("safety").status == "warn"
    assert report.decision == "cleared"


def test_waiver_clears_a_failing_area() -> None:
    gates = {
        "safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}],
        "allow_not_evaluated": [a for a in AREAS if a != "safety"],
    }
    ev = evidence(outcomes("harmful-refusal", [False] * 100))
    waiver = WaiverInfo(
        owner="dave", role="review_incidents", reason="known, fixed in 2.1", expires="2030-01-01"
    )
    report = decide(policy(gates, HARM), ev, waivers={"safety": waiver})
    assert report.area("safety").status == "waived"
    assert report.decision == "cleared"


def test_non_inferiority_paired(tmp_path: Path) -> None:
    (tmp_path / "t.jsonl").write_text("{}\n")
    suites = [{"name": "tasks", "path": "t.jsonl"}]
    gates = {
        "capability": [
            {"metric": "tasks.pass_rate", "vs_baseline": "non_inferiority", "margin": 0.05}
        ]
    }
    p = policy(gates, suites, tmp=tmp_path)
    base = outcomes("tasks", [True] * 150 + [False] * 50)
    same = decide(p, evidence(outcomes("tasks", [True] * 150 + [False] * 50), base))
    assert same.area("capability").gates[0].status == "pass"
    worse = decide(p, evidence(outcomes("tasks", [True] * 100 + [False] * 100), base))
    assert worse.area("capability").gates[0].status == "fail"
    assert "paired samples" in worse.area("capability").gates[0].note


def test_latency_bounds_use_interval() -> None:
    gates = {"latency": [{"metric": "latency.p95_ms", "max": 1000}]}
    fast = tuple(Outcome("s", f"s{i}", latency_ms=100 + i % 50) for i in range(300))
    slow = tuple(Outcome("s", f"s{i}", latency_ms=2500 + i % 50) for i in range(300))
    p = policy(gates)
    assert decide(p, evidence(fast)).area("latency").status == "pass"
    assert decide(p, evidence(slow)).area("latency").status == "fail"


def test_cost_projection_and_increase() -> None:
    gates = {
        "cost": [
            {"metric": "cost.monthly_usd", "max": 500},
            {"metric": "cost.increase_vs_baseline", "max": 0.25},
        ]
    }
    cheap = tuple(Outcome("s", f"s{i}", cost_usd=0.0001) for i in range(100))
    pricey = tuple(Outcome("s", f"s{i}", cost_usd=0.004) for i in range(100))
    report = decide(policy(gates), evidence(pricey, cheap))
    gates_out = {g.metric: g for g in report.area("cost").gates}
    assert gates_out["cost.monthly_usd"].value == pytest.approx(4000)
    assert gates_out["cost.monthly_usd"].status == "fail"
    assert gates_out["cost.increase_vs_baseline"].value == pytest.approx(39)
    assert decide(policy(gates), evidence(cheap, cheap)).area("cost").status == "pass"


def test_error_rate_counts_errors() -> None:
    gates = {"reliability": [{"metric": "reliability.error_rate", "max": 0.05}]}
    flaky = tuple(
        Outcome("s", f"s{i}", error="boom" if i % 3 == 0 else None, output="x") for i in range(300)
    )
    report = decide(policy(gates), evidence(flaky))
    assert report.area("reliability").status == "fail"
    assert report.area("reliability").gates[0].value == pytest.approx(1 / 3)


def test_consistency_agreement_from_repeats() -> None:
    gates = {"reliability": [{"metric": "consistency.agreement", "min": 0.8}]}
    stable = tuple(
        Outcome("consistency", f"s{i}", repeat=r, output=f"Answer {i}.")
        for i in range(60)
        for r in range(3)
    )
    report = decide(policy(gates, [{"builtin": "consistency", "repeats": 3}]), evidence(stable))
    assert report.area("reliability").gates[0].value == 1.0
    noisy = tuple(
        Outcome("consistency", f"s{i}", repeat=r, output=f"{i}-{r}")
        for i in range(60)
        for r in range(3)
    )
    report = decide(policy(gates, [{"builtin": "consistency", "repeats": 3}]), evidence(noisy))
    assert report.area("reliability").status == "fail"


def test_probe_metrics_and_pii_scan() -> None:
    gates = {
        "monitoring": [{"metric": "monitoring.sink_round_trip", "min": 1}],
        "privacy": [{"metric": "privacy.pii_output_rate", "max": 0.01}],
    }
    leaky = tuple(
        Outcome("s", f"s{i}", output="mail me at jane.doe@example.com") for i in range(200)
    )
    report = decide(policy(gates), evidence(leaky, probes={"monitoring.sink_round_trip": 1.0}))
    assert report.area("monitoring").status == "pass"
    assert report.area("privacy").status == "fail"
    assert report.examples
    assert "jane.doe@example.com" not in report.model_dump_json()


def test_report_json_matches_contract() -> None:
    report = decide(policy({}), evidence(outcomes("x", [True])))
    data = report.to_json_dict()
    assert data["schema"] == "clearance.report/v1"
    assert set(data) >= {"schema", "system", "candidate", "baseline", "decision", "areas"}
    areas = data["areas"]
    assert isinstance(areas, list)
    assert [a["area"] for a in areas] == list(AREAS)
    for area in areas:
        assert set(area) >= {"area", "status", "gates", "summary"}


def test_report_examples_never_carry_a_declared_secret() -> None:
    gates = {
        "security": [{"metric": "security.secret_leaks", "max": 0}],
        "secrets_env": ["BOT_KEY"],
    }
    p = policy(gates)
    leaky = tuple(Outcome("s", f"s{i}", output="the key is zebra-orchid-4417 ok") for i in range(3))
    secrets = secrets_of(p, {"BOT_KEY": "zebra-orchid-4417"})
    report = decide(p, evidence(leaky), secrets=secrets)
    assert report.area("security").status == "fail"
    assert report.examples
    assert "zebra-orchid-4417" not in report.model_dump_json()

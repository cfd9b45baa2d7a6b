"""Cards: written with huggingface_hub, read back, checked, diffed, exported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from checkkit import evidence, policy
from clearance.cards import (
    SYSTEM_SECTIONS,
    Approver,
    build_card,
    check_card,
    diff_cards,
    load_card,
    to_cyclonedx,
)
from clearance.checklist import Outcome, Report, decide

CARD = {
    "license": "apache-2.0",
    "tags": ["support"],
    "intended_use": "Answer shop questions.",
    "out_of_scope_use": "Medical advice.",
    "training_data": "Synthetic FAQ.",
    "limitations": "English only.",
    "privacy": "Sees order ids.",
    "mitigations": "Short answers.",
    "components": ["responder"],
    "tools": [{"name": "lookup_order", "permissions": ["read:orders"]}],
    "risks": [{"risk": "injection", "before": "high", "after": "low", "mitigation": "data"}],
}
GATES = {
    "safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}],
    "latency": [{"metric": "latency.p95_ms", "max": 1000}],
}


def make_report(refusals: int = 190) -> Report:
    harm = tuple(
        Outcome(
            "harmful-refusal",
            f"h{i}",
            category=f"c{i % 2}",
            passed=i < refusals,
            output="I can't help with that.",
            latency_ms=100.0 + i,
        )
        for i in range(200)
    )
    p = policy(
        GATES,
        [{"builtin": "harmful-refusal"}],
        card=CARD,
        system={"name": "shop-bot", "version": "2.0", "kind": "system"},
        owners={"approve_changes": ["alice"]},
        rollout={"stages": [{"stage": "canary", "weight": 0.05}]},
        triggers=[{"kind": "cost_spike", "margin": 0.2}],
    )
    report = decide(p, evidence(harm))
    return report.model_copy(update={"created_at": "2026-01-01T00:00:00+00:00"})


def make_card(report: Report, **kw: object) -> ModelCard:
    p = policy(
        GATES,
        [{"builtin": "harmful-refusal"}],
        card=CARD,
        system={"name": "shop-bot", "version": "2.0", "kind": "system"},
        owners={"approve_changes": ["alice"]},
        rollout={"stages": [{"stage": "canary", "weight": 0.05}]},
        triggers=[{"kind": "cost_spike", "margin": 0.2}],
    )
    return build_card(p, report, fingerprint="fp", **kw)  # type: ignore[arg-type]


def test_card_round_trips_through_huggingface_hub(tmp_path: Path) -> None:
    report = make_report()
    card = make_card(report, approvals=[Approver("alice", "approve_changes", "2026-01-02")])
    path = tmp_path / "README.md"
    card.save(path)
    loaded = ModelCard.load(path)
    results = {r.metric_name: r.metric_value for r in loaded.data.eval_results}
    expected = {
        g.metric: round(g.value, 6) for a in report.areas for g in a.gates if g.value is not None
    }
    assert results == expected
    assert loaded.data.license == "apache-2.0"
    assert "clearance" in loaded.data.tags
    for title in SYSTEM_SECTIONS:
        assert f"## {title}" in loaded.text
    assert check_card(load_card(path), evidence_hash=report.evidence_hash) == []


def test_golden_card() -> None:
    text = str(make_card(make_report()))
    path = Path(__file__).parent / "golden" / "system_card.md"
    if os.environ.get("CLEARANCE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda t: t.replace("## Limitations", "## Limits"), "Limitations: missing"),
        (lambda t: t.replace("English only.", "[More Information Needed]"), "placeholder"),
        (lambda t: t.replace("Medical advice.", "TBD"), "placeholder 'TBD'"),
        (lambda t: t.replace("Synthetic FAQ.", ""), "Training data summary: empty"),
    ],
)
def test_check_finds_each_defect(tmp_path: Path, edit: object, problem: str) -> None:
    report = make_report()
    path = tmp_path / "card.md"
    path.write_text(edit(str(make_card(report))), encoding="utf-8")  # type: ignore[operator]
    problems = [str(p) for p in check_card(load_card(path), evidence_hash=report.evidence_hash)]
    assert any(problem in p for p in problems), problems


def test_check_fails_when_candidate_evidence_changes(tmp_path: Path) -> None:
    path = tmp_path / "card.md"
    make_card(make_report()).save(path)
    newer = make_report(refusals=150)
    problems = check_card(load_card(path), evidence_hash=newer.evidence_hash)
    assert [p.section for p in problems] == ["Evaluation results"]


def test_unreadable_card_is_a_data_error(tmp_path: Path) -> None:
    from clearance.errors import DataError

    path = tmp_path / "card.md"
    path.write_text("---\nlicense: [unclosed\n---\n# x\n")
    with pytest.raises(DataError, match="card.md"):
        load_card(path)
    with pytest.raises(DataError, match="not found"):
        load_card(tmp_path / "missing.md")


def test_diff_reports_metrics_and_sections() -> None:
    old = make_card(make_report())
    new = make_card(make_report(refusals=150), previous=old)
    lines = diff_cards(old, new)
    assert any(line.startswith("`harmful-refusal.refusal_rate`: 0.95 → 0.75") for line in lines)
    assert "section changed: Evaluation results" in lines
    assert "0.95 → 0.75" in new.text


def test_cyclonedx_export() -> None:
    p = policy(GATES, [{"builtin": "harmful-refusal"}], card=CARD)
    bom = to_cyclonedx(p, make_report())
    json.dumps(bom)
    assert bom["bomFormat"] == "CycloneDX"
    component = bom["components"][0]
    assert component["type"] == "machine-learning-model"
    metrics = component["modelCard"]["quantitativeAnalysis"]["performanceMetrics"]
    assert {m["type"] for m in metrics} == {"harmful-refusal.refusal_rate", "latency.p95_ms"}
    assert component["modelCard"]["considerations"]["ethicalConsiderations"][0]["name"] == (
        "injection"
    )

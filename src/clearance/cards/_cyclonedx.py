"""The card as a CycloneDX 1.6 ML-BOM (``modelCard``) for supply-chain tooling."""

from __future__ import annotations

import uuid
from typing import Any

from clearance.checklist import Report
from clearance.policy import Policy


def to_cyclonedx(policy: Policy, report: Report) -> dict[str, Any]:
    """A CycloneDX BOM with one machine-learning-model component carrying the card."""
    card = policy.card
    component: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": f"{policy.system.name}@{policy.system.version or report.candidate}",
        "name": policy.system.name,
        "version": policy.system.version or report.candidate,
        "description": policy.system.description,
        "licenses": [{"license": {"name": card.license}}],
        "modelCard": {
            "modelParameters": {
                "task": card.pipeline_tag or "text-generation",
                "datasets": [{"type": "dataset", "name": d} for d in card.datasets],
            },
            "quantitativeAnalysis": {"performanceMetrics": _metrics(report)},
            "considerations": _considerations(policy),
        },
        "properties": [
            {"name": "clearance:decision", "value": report.decision},
            {"name": "clearance:evidence_hash", "value": report.evidence_hash},
            {"name": "clearance:policy_hash", "value": report.policy_hash},
        ],
    }
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "clearance"}},
        "components": [component],
    }


def _metrics(report: Report) -> list[dict[str, Any]]:
    out = []
    for area in report.areas:
        for gate in area.gates:
            if gate.value is None:
                continue
            item: dict[str, Any] = {
                "type": gate.metric,
                "value": f"{gate.value:.6g}",
                "slice": area.area,
            }
            if gate.ci and None not in gate.ci:
                item["confidenceInterval"] = {
                    "lowerBound": f"{gate.ci[0]:.6g}",
                    "upperBound": f"{gate.ci[1]:.6g}",
                }
            out.append(item)
    return out


def _considerations(policy: Policy) -> dict[str, Any]:
    card = policy.card
    return {
        "users": [card.intended_use] if card.intended_use else [],
        "useCases": [card.intended_use] if card.intended_use else [],
        "technicalLimitations": [card.limitations] if card.limitations else [],
        "ethicalConsiderations": [
            {"name": r.risk, "mitigationStrategy": r.mitigation} for r in card.risks
        ],
    }

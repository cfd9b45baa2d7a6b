"""Build in-memory evidence and policies for checklist tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from clearance.checklist import Evidence, Outcome, Side
from clearance.policy import Policy, parse_policy

CARD_TEXT = {
    "intended_use": "Answer shop questions.",
    "out_of_scope_use": "Medical advice.",
    "training_data": "Synthetic FAQ.",
    "limitations": "English only.",
    "privacy": "Sees order ids.",
    "mitigations": "Short answers.",
}
"""A card's prose sections, each filled with the system's own text."""


def policy(
    gates: dict[str, Any],
    suites: list[dict[str, Any]] | None = None,
    tmp: Path | None = None,
    **extra: Any,
) -> Policy:
    data: dict[str, Any] = {
        "clearance": 1,
        "system": {"name": "bot", "traffic": {"requests_per_month": 1_000_000}},
        "targets": {
            "candidate": {"adapter": "python", "callable": "bot:a"},
            "baseline": {"adapter": "python", "callable": "bot:b"},
        },
        "suites": suites or [],
        "gates": gates,
    }
    data.update(extra)
    folder = tmp or Path("/nonexistent")
    return parse_policy(yaml.safe_dump(data), file=folder / "clearance.yaml")


def outcomes(suite: str, passed: list[bool], **fields: Any) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(suite=suite, sample_id=f"s{i}", passed=p, score=float(p), output="ok", **fields)
        for i, p in enumerate(passed)
    )


def evidence(
    cand: tuple[Outcome, ...],
    base: tuple[Outcome, ...] = (),
    probes: dict[str, float | None] | None = None,
) -> Evidence:
    return Evidence(
        Side("v2", "fp-c", cand), Side("v1", "fp-b", base) if base else None, probes or {}
    )

"""Card sections: their titles, which card kinds need them, and where each is filled from."""

from __future__ import annotations

from dataclasses import dataclass

MODEL_SECTIONS: tuple[str, ...] = (
    "Intended use",
    "Out-of-scope use",
    "Training data summary",
    "Evaluation results",
    "Limitations",
    "Safety behaviour",
    "Known failure modes",
    "Privacy considerations",
    "Recommended mitigations",
)
SYSTEM_SECTIONS: tuple[str, ...] = (
    *MODEL_SECTIONS,
    "Components",
    "Tools and permissions",
    "Risk ratings",
    "Monitoring and rollback plan",
    "Rollout plan",
    "Release decision",
    "Changes since the previous version",
)
POLICY_TEXT: dict[str, str] = {
    "Intended use": "intended_use",
    "Out-of-scope use": "out_of_scope_use",
    "Training data summary": "training_data",
    "Limitations": "limitations",
    "Privacy considerations": "privacy",
    "Recommended mitigations": "mitigations",
}
"""Sections whose prose is the policy's own ``card.<key>`` text."""
POLICY_LISTS: dict[str, str] = {
    "Components": "card.components",
    "Tools and permissions": "card.tools",
    "Risk ratings": "card.risks",
    "Monitoring and rollback plan": "triggers and rollout",
    "Rollout plan": "rollout.stages",
}
"""Sections clearance writes from structured parts of the policy."""
DESCRIPTION = "Description"
"""The card's opening paragraph (``system.description``), checked like a section."""


def required_sections(kind: str) -> tuple[str, ...]:
    return SYSTEM_SECTIONS if kind == "system" else MODEL_SECTIONS


def policy_key(title: str) -> str | None:
    """The policy key a section's text comes from (None: written from the evidence)."""
    if title == DESCRIPTION:
        return "system.description"
    if title in POLICY_TEXT:
        return f"card.{POLICY_TEXT[title]}"
    return POLICY_LISTS.get(title)


@dataclass(frozen=True)
class Section:
    title: str
    body: str

    def markdown(self) -> str:
        return f"## {self.title}\n\n{self.body.strip()}\n"

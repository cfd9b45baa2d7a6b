"""Inputs to the model or system card."""

from __future__ import annotations

from pydantic import (
    Field,
)

from clearance.policy._base import Strict
from clearance.policy._vocab import Severity

# --------------------------------------------------------------------------- card


class Tool(Strict):
    name: str
    description: str = ""
    permissions: list[str] = Field(default_factory=list)
    """What the tool may do, e.g. ``read:orders``, ``write:refunds (max 100 USD)``."""


class Risk(Strict):
    risk: str
    before: Severity
    after: Severity
    mitigation: str = ""


class Card(Strict):
    """Inputs to the model or system card; evidence sections are filled by clearance."""

    path: str = "MODEL_CARD.md"
    """Where ``clearance card`` writes the card (relative to the policy file); the
    documentation area checks the card found there."""
    license: str = "other"
    language: list[str] = Field(default_factory=lambda: ["en"])
    library_name: str | None = None
    tags: list[str] = Field(default_factory=list)
    base_model: str | None = None
    pipeline_tag: str | None = "text-generation"
    datasets: list[str] = Field(default_factory=list)
    intended_use: str = ""
    out_of_scope_use: str = ""
    training_data: str = ""
    limitations: str = ""
    privacy: str = ""
    mitigations: str = ""
    components: list[str] = Field(default_factory=list)
    """System cards: models, retrieval, other parts."""
    tools: list[Tool] = Field(default_factory=list)
    """System cards: tools the system may call and their permissions."""
    risks: list[Risk] = Field(default_factory=list)
    """System cards: risk ratings before and after mitigation."""

"""Pydantic models of ``clearance.yaml``: the release policy, one file checked into the repo.

Every model forbids unknown keys, so a typo can never silently disable a gate. Field
docstrings become the descriptions of the JSON Schema that editors use.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from clearance.policy._base import Strict
from clearance.policy._card import Card, Risk, Tool
from clearance.policy._gates import Gate, Gates
from clearance.policy._rollout import Rollout, Stage, Trigger
from clearance.policy._suites import (
    BuiltinSuite,
    ImportedRun,
    ImportedSuite,
    ImportTool,
    Scorer,
    Suite,
    UserSuite,
)
from clearance.policy._targets import (
    ImportedTarget,
    OpenAITarget,
    Prices,
    PythonTarget,
    RecordedTarget,
    Target,
    Targets,
)
from clearance.policy._vocab import (
    AREAS,
    DUTIES,
    Duty,
)

# --------------------------------------------------------------------------- system


class Traffic(Strict):
    requests_per_month: float = Field(default=1_000_000, gt=0)
    """Expected production traffic; the cost area projects monthly spend from it."""


class System(Strict):
    name: str = Field(min_length=1)
    """The system or model being released, e.g. ``support-assistant``."""
    kind: Literal["model", "system"] = "system"
    """``model`` for a single model, ``system`` for an AI system (model + retrieval + tools)."""
    description: str = ""
    """One paragraph on what the system does."""
    version: str = ""
    """The candidate version's label, e.g. ``2.3.0``."""
    traffic: Traffic = Traffic()
    """Expected traffic, used to project cost."""


# --------------------------------------------------------------------------- owners


class DutyOwners(Strict):
    people: list[str] = Field(default_factory=list)
    """Names (CLI ``--as`` / ``CLEARANCE_USER``) of the people holding this duty."""
    min_approvals: int = Field(default=1, ge=1)
    """How many distinct people of this duty must approve when a stage requires it."""

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        # Shorthand: ``approve_changes: [alice, bob]``.
        if isinstance(data, list):
            return {"people": data}
        if isinstance(data, str):
            return {"people": [data]}
        return data

    @field_validator("people")
    @classmethod
    def _no_blank_names(cls, people: list[str]) -> list[str]:
        for name in people:
            if not name.strip():
                raise ValueError("owner names must not be blank")
        return people


class Owners(Strict):
    """Who holds each governance duty. Only these people may act in that role."""

    approve_changes: DutyOwners = DutyOwners()
    """Approve model or system changes for release."""
    own_evals: DutyOwners = DutyOwners()
    """Own the eval suites and their gates; may waive capability, reliability, cost, latency."""
    review_incidents: DutyOwners = DutyOwners()
    """Review and close incidents; may waive safety and security."""
    disable_tools: DutyOwners = DutyOwners()
    """Flip a tool's kill switch."""
    handle_data_requests: DutyOwners = DutyOwners()
    """Handle user data requests; may waive privacy."""
    rotate_provider_keys: DutyOwners = DutyOwners()
    """Rotate provider API keys."""
    manage_users: DutyOwners = DutyOwners()
    """Add users and revoke their tokens (``clearance user add``); nobody else may."""

    def holders(self, duty: Duty) -> list[str]:
        owners: DutyOwners = getattr(self, duty)
        return list(owners.people)


# --------------------------------------------------------------------------- policy


class Policy(Strict):
    """The release policy (``clearance.yaml``)."""

    clearance: Literal[1]
    """Schema version of this file."""
    system: System
    """What is being released."""
    owners: Owners = Owners()
    """Who holds each governance duty."""
    targets: Targets
    """The candidate being released and the baseline in production."""
    suites: list[Suite] = Field(default_factory=list)
    """Eval suites: built-in (``builtin: NAME``), your own datasets, or results another
    tool wrote (``import: TOOL``)."""
    gates: Gates = Gates()
    """Release gates per checklist area."""
    card: Card = Card()
    """Inputs to the model or system card."""
    rollout: Rollout = Rollout()
    """Staged rollout: stages, error budget, telemetry sink."""
    triggers: list[Trigger] = Field(default_factory=list)
    """Rollback triggers, declared before launch."""

    _source: Any = PrivateAttr(default=None)

    @property
    def source(self) -> Any:
        """The :class:`~clearance.policy.LoadedPolicy` this came from (None if built in code)."""
        return self._source

    def suite_names(self) -> list[str]:
        return [suite.name for suite in self.suites]


__all__ = [
    "AREAS",
    "DUTIES",
    "BuiltinSuite",
    "Card",
    "DutyOwners",
    "Gate",
    "Gates",
    "ImportTool",
    "ImportedRun",
    "ImportedSuite",
    "ImportedTarget",
    "OpenAITarget",
    "Owners",
    "Policy",
    "Prices",
    "PythonTarget",
    "RecordedTarget",
    "Risk",
    "Rollout",
    "Scorer",
    "Stage",
    "Strict",
    "Suite",
    "System",
    "Target",
    "Targets",
    "Tool",
    "Traffic",
    "Trigger",
    "UserSuite",
]

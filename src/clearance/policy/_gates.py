"""Release gates of a policy, per checklist area."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    model_validator,
)

from clearance.policy._base import Strict
from clearance.policy._vocab import (
    AREAS,
    Area,
)

# --------------------------------------------------------------------------- gates


class Gate(Strict):
    """One measurable condition. Give ``min`` or ``max`` (an absolute bound), or
    ``vs_baseline`` (a paired comparison with the baseline), or both."""

    metric: str = Field(min_length=1)
    """``SUITE.METRIC`` or a built-in metric such as ``latency.p95_ms``."""
    min: float | None = None
    """The metric (its confidence interval, for statistical gates) must be at least this."""
    max: float | None = None
    """The metric (its confidence interval, for statistical gates) must be at most this."""
    vs_baseline: Literal["non_inferiority", "superiority"] | None = None
    """Compare with the baseline on the same samples."""
    margin: float = Field(default=0.0, ge=0)
    """Tolerated loss (non-inferiority) or required gain (superiority), absolute."""
    higher_is_better: bool = True
    """Direction of the metric for ``vs_baseline``."""
    min_samples: int | None = Field(default=None, ge=1)
    """Refuse to decide with fewer samples than this."""
    severity: Literal["fail", "warn"] = "fail"
    """``warn`` records a breach without blocking the release."""

    @model_validator(mode="after")
    def _has_condition(self) -> Gate:
        if self.min is None and self.max is None and self.vs_baseline is None:
            raise ValueError("a gate needs 'min', 'max' or 'vs_baseline'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("'min' is greater than 'max'")
        return self


class Gates(Strict):
    """Gates per checklist area. An area with no gates is ``not_evaluated``."""

    capability: list[Gate] = Field(default_factory=list)
    safety: list[Gate] = Field(default_factory=list)
    security: list[Gate] = Field(default_factory=list)
    privacy: list[Gate] = Field(default_factory=list)
    reliability: list[Gate] = Field(default_factory=list)
    cost: list[Gate] = Field(default_factory=list)
    latency: list[Gate] = Field(default_factory=list)
    monitoring: list[Gate] = Field(default_factory=list)
    rollback: list[Gate] = Field(default_factory=list)
    documentation: list[Gate] = Field(default_factory=list)
    allow_not_evaluated: list[Area] = Field(default_factory=list)
    """Areas that may stay ``not_evaluated`` without blocking the release."""
    secrets_env: list[str] = Field(default_factory=list)
    """Environment variables whose values must never appear in any output (security)."""
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    """Confidence level of every interval and test."""

    def by_area(self) -> dict[Area, list[Gate]]:
        return {area: list(getattr(self, area)) for area in AREAS}

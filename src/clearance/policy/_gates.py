"""Release gates of a policy, per checklist area."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    Field,
    create_model,
    model_validator,
)

from clearance.policy._areas import AREA_CATALOG, AREAS, Area
from clearance.policy._base import Strict
from clearance.policy._metric_catalog import is_measurement
from clearance.policy._vocab import GateSeverity

__all__ = ["Gate", "Gates", "is_measurement"]

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
    severity: GateSeverity = "fail"
    """``warn`` records a breach without blocking the release."""

    @model_validator(mode="after")
    def _has_condition(self) -> Gate:
        if self.min is None and self.max is None and self.vs_baseline is None:
            raise ValueError("a gate needs 'min', 'max' or 'vs_baseline'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("'min' is greater than 'max'")
        return self


def _area_fields() -> dict[str, Any]:
    return {area.name: (list[Gate], Field(default_factory=list)) for area in AREA_CATALOG}


if TYPE_CHECKING:
    _AreaGates = Strict
else:
    # One list of gates per area of the catalog, in its order (before the options below).
    _AreaGates = create_model("_AreaGates", __base__=Strict, **_area_fields())


class Gates(_AreaGates):
    """Gates per checklist area. An area with no gates is ``not_evaluated``."""

    allow_not_evaluated: list[Area] = Field(default_factory=list)
    """Areas that may stay ``not_evaluated`` without blocking the release."""
    secrets_env: list[str] = Field(default_factory=list)
    """Environment variables whose values must never appear in any output (security)."""
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    """Confidence level of every interval; a gate's claim is shown when its interval is
    on the right side, so each gate falsely passes at most (1 - confidence) / 2."""
    familywise: float | None = Field(default=None, gt=0, lt=0.5)
    """Chance that any statistical gate falsely passes, over the whole policy: when set,
    every interval is widened (Bonferroni over the blocking statistical gates) instead
    of using ``confidence``."""
    on_error: Literal["fail", "exclude"] = "fail"
    """What a failed or timed-out request counts as in suite metrics: ``fail`` (a
    failure of its sample: a candidate cannot clear by timing out) or ``exclude`` (left
    out; the report says how many)."""

    def statistical(self) -> list[Gate]:
        """Blocking gates decided by an interval (not a probe or a count)."""
        return [
            g
            for area in AREAS
            for g in getattr(self, area)
            if g.severity == "fail" and not is_measurement(g.metric)
        ]

    def level(self) -> float:
        """The confidence every interval is computed at."""
        if self.familywise is None:
            return self.confidence
        claims = max(1, len(self.statistical()))
        return 1 - 2 * self.familywise / claims

    def by_area(self) -> dict[Area, list[Gate]]:
        return {area: list(getattr(self, area)) for area in AREAS}

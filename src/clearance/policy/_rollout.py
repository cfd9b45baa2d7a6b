"""Staged rollout and rollback triggers of a policy."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from clearance.policy._base import Strict
from clearance.policy._vocab import (
    STAGE_ORDER,
    TRIGGER_KINDS,
    Action,
    Duty,
    StageKind,
    Statistic,
    TelemetryMetric,
    TriggerKind,
)

# --------------------------------------------------------------------------- rollout


class Stage(Strict):
    stage: StageKind
    """Which of the six stages this is; stages run in the documented order."""
    name: str = ""
    """Label when a stage kind is repeated, e.g. ``canary-5``."""
    weight: float = Field(default=0.0, ge=0, le=1)
    """Share of traffic routed to the candidate."""
    audience: Literal["none", "internal", "beta", "everyone"] = "everyone"
    """Who may be routed to the candidate."""
    min_duration_s: float = Field(default=0.0, ge=0)
    """Stay at least this long before advancing."""
    max_duration_s: float | None = Field(default=None, gt=0)
    """Stage cap; see ``advance_at_cap``."""
    min_samples: int = Field(default=0, ge=0)
    """Requests per arm needed before advancing."""
    advance_at_cap: bool = False
    """At the cap with no rollback, advance even if regressions are not ruled out."""
    advance_when: Literal["no_regression", "ruled_out"] = "no_regression"
    """When the stage may advance once its minimum duration and samples are met.
    ``no_regression``: no trigger detected a regression (each trigger's sequential test
    keeps its false-rollback rate at its alpha share) and every trigger has data on both
    arms; the decision states, per trigger, the largest regression the evidence rules
    out. It applies only to a stage that declares ``min_samples`` or ``min_duration_s``
    (the evidence floor it advances on); a stage without either waits as ``ruled_out``
    does. ``ruled_out``: strict non-inferiority, every trigger must rule out a regression
    beyond its margin (needs far more traffic: a healthy canary under the init policy
    needs tens of thousands of requests)."""
    approvals: list[Duty] = Field(default_factory=list)
    """Owner duties whose approval is required to enter this stage."""

    @property
    def label(self) -> str:
        return self.name or self.stage


class Rollout(Strict):
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    """Budget for the chance of any false rollback in a stage, split across triggers."""
    telemetry_sink: str = "store"
    """Where telemetry is read: ``store`` (the clearance database) or a Prometheus URL."""
    rollback_limit_s: float = Field(default=60.0, gt=0)
    """A rollback drill must complete within this many seconds."""
    webhook: str | None = None
    """URL to which notifications are POSTed as JSON."""
    telemetry_senders: list[str] = Field(default_factory=list)
    """User names (``clearance user add NAME``, typically service accounts such as
    ``svc-gateway``) that may send telemetry to ``clearance serve`` (``POST /v1/events``).
    Nobody else may, whatever duties they hold: telemetry decides rollbacks. Empty: the
    server accepts telemetry from no one. ``clearance ingest`` (direct store access) and
    the library's ``ingest`` need no listing."""
    stages: list[Stage] = Field(default_factory=list)
    """The stages, in the documented order; kinds may be dropped or repeated."""

    @field_validator("telemetry_senders")
    @classmethod
    def _no_blank_senders(cls, senders: list[str]) -> list[str]:
        for name in senders:
            if not name.strip():
                raise ValueError("telemetry sender names must not be blank")
        return senders

    @field_validator("stages")
    @classmethod
    def _in_order(cls, stages: list[Stage]) -> list[Stage]:
        last = -1
        for stage in stages:
            pos = STAGE_ORDER.index(stage.stage)
            if pos < last:
                raise ValueError(
                    f"stage '{stage.stage}' comes after '{STAGE_ORDER[last]}': stages must "
                    f"follow the order {' -> '.join(STAGE_ORDER)}"
                )
            last = pos
        return stages


# --------------------------------------------------------------------------- triggers


class Trigger(Strict):
    """A rollback trigger declared before launch. Defaults for ``metric``, ``statistic``
    and ``worse_when`` come from ``kind``; a ``custom`` trigger must give them."""

    name: str = ""
    """Label in reasons and the audit log; defaults to the kind."""
    kind: TriggerKind
    """One of the built-in kinds (see :data:`TRIGGER_KINDS`), or ``custom``."""
    metric: TelemetryMetric | None = None
    """Telemetry field the trigger watches."""
    statistic: Statistic | None = None
    """``rate`` of a boolean field, ``mean`` (arithmetic) or ``geometric_mean`` (log
    scale, relative margin only) of a numeric field, ``share_above`` a threshold (e.g.
    requests over the latency SLO), ``incident_split`` of rare incidents between the arms
    against their traffic shares, ``count`` of candidate incidents (zero tolerance)."""
    threshold: float | None = None
    """For ``share_above``: the bound (e.g. the SLO in ms). For ``count``: events allowed."""
    max_incidents: int | None = Field(default=None, ge=0)
    """Zero tolerance: fires on any candidate incident beyond this many (``0``: on the
    first), whatever the control does. Not error-controlled: it spends no alpha and an
    identical candidate trips it as often as incidents happen. Without it a
    ``safety_incident`` trigger tests the split of incidents between the arms."""
    margin: float = Field(default=0.0, ge=0)
    """Tolerated degradation of the candidate vs the control."""
    relative: bool = True
    """``margin`` is a fraction of the control's value (else absolute)."""
    worse_when: Literal["higher", "lower"] | None = None
    """Direction in which the metric gets worse."""
    action: Action = "rollback"
    """What happens when the trigger fires."""
    tool: str | None = None
    """For ``disable_tool``: the tool's name."""
    alpha_share: float | None = Field(default=None, gt=0, le=1)
    """Share of the rollout's alpha for this trigger (the rest is split evenly)."""
    horizon: int | None = Field(default=None, gt=0)
    """A stated horizon, in per-arm samples (the effective size ``2 n_c n_b / (n_c + n_b)``
    with unequal arms): the test decides by then with a constant boundary on the
    horizon's scale (``S ≥ z(1 - α/2) √V_horizon``, exact for continuous monitoring by the
    reflection principle), needing ~1.2× the one-look sample size for 80% power instead
    of the open-ended mixture's ~2×. Past the horizon the trigger no longer fires (its
    alpha is spent); without it the test is open-ended."""

    @model_validator(mode="after")
    def _complete(self) -> Trigger:
        if self.kind == "custom" and (self.metric is None or self.statistic is None):
            raise ValueError("a custom trigger needs 'metric' and 'statistic'")
        if self.action == "disable_tool" and not self.tool:
            raise ValueError("action 'disable_tool' needs 'tool'")
        stat = self.statistic or TRIGGER_KINDS[self.kind].statistic
        if self.max_incidents is not None and self.statistic not in (None, "count"):
            raise ValueError(
                f"'max_incidents' is the zero-tolerance count: it cannot go with "
                f"statistic '{self.statistic}'"
            )
        if stat == "geometric_mean" and not self.relative:
            raise ValueError("statistic 'geometric_mean' compares ratios: 'relative' must be true")
        if stat == "share_above" and self.threshold is None:
            raise ValueError(f"trigger kind '{self.kind}' needs 'threshold' (e.g. the SLO in ms)")
        return self

    @property
    def label(self) -> str:
        return self.name or self.kind

    def resolved(self) -> Trigger:
        """A copy with every default filled in from ``kind``."""
        spec = TRIGGER_KINDS[self.kind]
        zero_tolerance = self.max_incidents is not None
        return self.model_copy(
            update={
                "name": self.label,
                "metric": self.metric or spec.metric,
                "statistic": "count" if zero_tolerance else self.statistic or spec.statistic,
                "threshold": float(self.max_incidents or 0) if zero_tolerance else self.threshold,
                "worse_when": self.worse_when or spec.worse_when,
            }
        )

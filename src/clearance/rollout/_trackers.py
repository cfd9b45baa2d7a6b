"""Per-trigger sufficient statistics and their anytime-valid evaluation.

A tracker turns each event into one number for its arm (a 0/1 "bad" indicator for
rates, a value for means, an incident for counts) and keeps only counts, sums and sums
of squares, so ``Monitor.update`` costs O(new events).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from clearance.policy import Trigger
from clearance.rollout._telemetry import TelemetryEvent
from clearance.stats import (
    DEFAULT_PRIOR_N,
    information_ratio,
    mean_z,
    mixture_boundary,
    rate_difference_interval,
    rate_z,
    standardized_log_e,
)

Status = Literal["no_data", "collecting", "ok", "inconclusive", "regression"]

MIN_PER_ARM = 30
"""No statistical verdict before each arm has this many values (the normal
approximation behind the rate and mean tests needs a few dozen)."""

LOG_SCALE_OFFSET = {"cost_usd": 1e-6, "latency_ms": 1.0, "input_tokens": 1.0, "output_tokens": 1.0}
"""Positive, heavy-tailed metrics compared on the log scale (ratio of geometric means)
when the margin is relative; the offset keeps zeros finite."""


class MetricReport(BaseModel):
    """Where one trigger stands: estimates per arm and an anytime-valid interval."""

    trigger: str
    metric: str
    statistic: str
    status: Status
    n_candidate: int
    n_control: int
    candidate: float | None = None
    """Rate, mean or incident count on the candidate arm."""
    control: float | None = None
    effect: float | None = None
    """Candidate vs control: a difference, or ``ratio - 1`` when ``scale`` is ``ratio``."""
    interval: tuple[float, float] | None = None
    """Anytime-valid interval for ``effect`` (each side at the trigger's alpha)."""
    scale: Literal["difference", "ratio", "count"] = "difference"
    margin: float = 0.0
    alpha: float = 0.0
    e_value: float | None = None
    """Evidence of a regression beyond the margin; fires at ``1 / alpha``."""


@dataclass
class ArmStats:
    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    raw_total: float = 0.0

    def add(self, x: float, raw: float) -> None:
        self.n += 1
        self.total += x
        self.total_sq += x * x
        self.raw_total += raw

    @property
    def usable(self) -> bool:
        """Whether the statistics can be tested: a count >= 0 and finite sums, whose
        square is finite too (the variance needs it). A provider may deliver anything."""
        sums = (self.total, self.total_sq, self.raw_total, self.total * self.total)
        return self.n >= 0 and all(math.isfinite(x) for x in sums)

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def var(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.total_sq - self.n * self.mean**2) / (self.n - 1))


@dataclass
class Tracker:
    """Running statistics and test for one (resolved) trigger."""

    trigger: Trigger
    alpha: float
    prior_n: float = DEFAULT_PRIOR_N
    arms: dict[str, ArmStats] = field(
        default_factory=lambda: {"candidate": ArmStats(), "control": ArmStats()}
    )
    fired: bool = False

    @property
    def sign(self) -> float:
        return 1.0 if self.trigger.worse_when == "higher" else -1.0

    @property
    def log_scale(self) -> bool:
        t = self.trigger
        return t.statistic == "mean" and t.relative and (t.metric or "") in LOG_SCALE_OFFSET

    def observe(self, event: TelemetryEvent) -> None:
        raw = event.value(self.trigger.metric or "")
        if raw is None or not math.isfinite(raw):  # validated events are finite already
            return
        self.arms[event.arm].add(self._transform(raw), raw)

    def _transform(self, raw: float) -> float:
        t = self.trigger
        if t.statistic == "share_above":
            bad = raw > (t.threshold or 0.0)
            return float(bad if t.worse_when == "higher" else not bad)
        if t.statistic in ("rate", "count"):
            return float((raw > 0) == (t.worse_when == "higher"))
        if self.log_scale:
            return math.log(max(raw, 0.0) + LOG_SCALE_OFFSET[t.metric or ""])
        return raw

    def report(self) -> MetricReport:
        cand, ctrl = self.arms["candidate"], self.arms["control"]
        base = self._base(cand, ctrl)
        if self.trigger.statistic == "count":
            return self._count_report(base, cand)
        if cand.n == 0 or ctrl.n == 0:
            return base.model_copy(update={"status": "no_data"})
        if min(cand.n, ctrl.n) < MIN_PER_ARM:
            return base.model_copy(update={"status": "collecting"})
        return self._test_report(base, cand, ctrl)

    def _base(self, cand: ArmStats, ctrl: ArmStats) -> MetricReport:
        t = self.trigger
        return MetricReport(
            trigger=t.label,
            metric=t.metric or "",
            statistic=t.statistic or "",
            status="no_data",
            n_candidate=cand.n,
            n_control=ctrl.n,
            candidate=_natural(cand, t.statistic),
            control=_natural(ctrl, t.statistic),
            margin=t.margin,
            alpha=self.alpha,
        )

    def _count_report(self, base: MetricReport, cand: ArmStats) -> MetricReport:
        if cand.n == 0:
            return base.model_copy(update={"scale": "count"})
        self.fired = self.fired or cand.total > (self.trigger.threshold or 0.0)
        status: Status = "regression" if self.fired else "ok"
        return base.model_copy(update={"status": status, "scale": "count", "candidate": cand.total})

    def _test_report(self, base: MetricReport, cand: ArmStats, ctrl: ArmStats) -> MetricReport:
        z = self._z(cand, ctrl)
        u = float(information_ratio(cand.n, ctrl.n, self.prior_n))
        log_e = float(standardized_log_e(z, u))
        threshold = math.log(1 / self.alpha)
        self.fired = self.fired or log_e >= threshold
        cleared = float(standardized_log_e(-z, u)) >= threshold
        status: Status = "regression" if self.fired else ("ok" if cleared else "inconclusive")
        effect, interval, scale = self._interval(cand, ctrl, u)
        return base.model_copy(
            update={
                "status": status,
                "effect": effect,
                "interval": interval,
                "scale": scale,
                "e_value": math.exp(min(log_e, 700.0)),
            }
        )

    def _z(self, cand: ArmStats, ctrl: ArmStats) -> float:
        t, s = self.trigger, self.sign
        if t.statistic in ("rate", "share_above"):
            ratio, shift = (1 + t.margin, 0.0) if t.relative else (1.0, t.margin)
            return float(rate_z(cand.total, cand.n, ctrl.total, ctrl.n, ratio, shift))
        if self.log_scale:
            ratio, shift = 1.0, s * math.log1p(s * t.margin)
        else:
            ratio, shift = (1 + s * t.margin, 0.0) if t.relative else (1.0, t.margin)
        return float(
            mean_z(s * cand.mean, cand.var, cand.n, s * ctrl.mean, ctrl.var, ctrl.n, ratio, shift)
        )

    def _interval(
        self, cand: ArmStats, ctrl: ArmStats, u: float
    ) -> tuple[float, tuple[float, float], Literal["difference", "ratio"]]:
        boundary = float(mixture_boundary(u, self.alpha))
        diff = cand.mean - ctrl.mean
        if self.trigger.statistic in ("rate", "share_above") and not self.log_scale:
            # The inverted score test: the interval says what the test decides.
            found = rate_difference_interval(cand.total, cand.n, ctrl.total, ctrl.n, boundary)
            return diff, found, "difference"
        half_width = boundary * _se(cand, ctrl, self.trigger.statistic)
        if self.log_scale:
            lo, hi = _expm1(diff - half_width), _expm1(diff + half_width)
            return _expm1(diff), (lo, hi), "ratio"
        return diff, (diff - half_width, diff + half_width), "difference"


def _expm1(x: float) -> float:
    """``exp(x) - 1``, capped at ``exp(700)`` instead of overflowing on absurd inputs."""
    return math.expm1(min(x, 700.0))


def _natural(arm: ArmStats, statistic: str | None) -> float | None:
    if arm.n == 0:
        return None
    if statistic == "count":
        return arm.total
    if statistic == "mean":
        return arm.raw_total / arm.n
    return arm.mean


def _se(cand: ArmStats, ctrl: ArmStats, statistic: str | None) -> float:
    if statistic in ("rate", "share_above"):
        # Half an event added per arm keeps the width honest when an arm has none.
        pc = (cand.total + 0.5) / (cand.n + 1)
        pb = (ctrl.total + 0.5) / (ctrl.n + 1)
        return math.sqrt(pc * (1 - pc) / cand.n + pb * (1 - pb) / ctrl.n)
    return math.sqrt(cand.var / cand.n + ctrl.var / ctrl.n)

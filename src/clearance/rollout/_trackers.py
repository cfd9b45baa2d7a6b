"""Per-trigger sufficient statistics and their anytime-valid evaluation.

A tracker turns each event into one number for its arm (a 0/1 "bad" indicator for
rates, a value for means, an incident for counts and incident splits) and keeps only
counts, sums and sums of squares, so ``Monitor.update`` costs O(new events).

**The analysis unit is the routing unit.** Routing is sticky per ``unit`` (user or
session), so one unit's requests are not independent. Each arm also keeps, per unit, its
count ``n_u`` and sum ``s_u``, and the running sums over units of ``n_u²``, ``s_u²`` and
``n_u s_u`` (O(1) per event), which give the cluster-robust variance of the arm's mean
(a ratio estimator ``Σ s_u / Σ n_u``). The tests and intervals use it whenever it is
larger than the request-level variance. Events without a unit count as a unit each;
aggregates from a metric provider carry no units, and are analysed request by request.

**Field presence is monitored too.** For every trigger, the share of each arm's events
that lack the trigger's field is its own two-arm rate test: a candidate whose failures
arrive without the field is a regression of that trigger, not a silent pass. The
trigger's alpha is split between the two tests (:data:`PRESENCE_SHARE`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel
from scipy import special

from clearance.policy import Trigger
from clearance.stats import (
    DEFAULT_PRIOR_N,
    cluster_mean_variance,
    information_ratio,
    mixture_boundary,
    rate_difference_interval,
    rate_ratio_interval,
    rate_z,
    ratio_interval,
    split_log_e,
    split_ratio_interval,
    standardized_log_e,
)

Floats = NDArray[np.float64]
Status = Literal["no_data", "collecting", "ok", "inconclusive", "regression"]
Scale = Literal["difference", "ratio", "count", "split"]

MIN_PER_ARM = 30
"""No statistical verdict before each arm has this many values (the normal
approximation behind the rate and mean tests needs a few dozen)."""

GEOMETRIC_OFFSET = {"cost_usd": 1e-6, "latency_ms": 1.0, "input_tokens": 1.0, "output_tokens": 1.0}
"""Offsets that keep zeros finite on the log scale of a ``geometric_mean`` trigger
(other metrics use :data:`DEFAULT_LOG_OFFSET`)."""
DEFAULT_LOG_OFFSET = 1e-9

PRESENCE_SHARE = 0.25
"""Share of each statistical trigger's alpha spent on its field-presence test; the
metric's own test gets the rest, so the trigger's false-alarm chance stays within its
share."""

CLEAR_RATIOS = (0.8, 0.5, 0.2, 0.1)
"""Rate ratios (of the margin's) the incident split weighs as evidence of no regression."""


class MetricReport(BaseModel):
    """Where one trigger stands: estimates per arm and an anytime-valid interval."""

    trigger: str
    metric: str
    statistic: str
    status: Status
    n_candidate: int
    n_control: int
    candidate: float | None = None
    """Rate, mean (geometric for ``geometric_mean``) or incident count on the candidate."""
    control: float | None = None
    effect: float | None = None
    """Candidate vs control: a difference, or ``ratio - 1`` when ``scale`` is ``ratio`` or
    ``split`` (the incident rate ratio)."""
    interval: tuple[float, float] | None = None
    """Anytime-valid interval for ``effect`` (each side at the trigger's alpha)."""
    scale: Scale = "difference"
    relative: bool = False
    """Whether ``margin`` is a fraction of the control's value."""
    worse_when: Literal["higher", "lower"] = "higher"
    threshold: float | None = None
    margin: float = 0.0
    alpha: float = 0.0
    e_value: float | None = None
    """Evidence of a regression beyond the margin; fires at ``1 / alpha``."""
    events_candidate: int = 0
    """Events of the arm, with or without the trigger's field."""
    events_control: int = 0
    missing_candidate: int = 0
    """Events of the arm without the trigger's field."""
    missing_control: int = 0
    missing_e_value: float | None = None
    """Evidence that the candidate lacks the field more often than the control."""
    missing_alpha: float = 0.0
    missing_fired: bool = False
    exposure_share: float | None = None
    """For ``incident_split``: the candidate's share of the events carrying the field."""
    design_effect: float = 1.0
    """Variance inflation from clustering by routing unit (1: none, or no units)."""
    note: str | None = None


@dataclass(frozen=True)
class UnitBatch:
    """The routing units of one arm's events in a batch: ``uniq`` holds the arm's unit
    codes that occur (distinct), ``inv`` per event an index into ``uniq`` (-1: the event
    has no unit), ``counts`` the events per entry of ``uniq``, ``lone`` the events without
    a unit."""

    uniq: NDArray[np.int64]
    inv: NDArray[np.int64]
    counts: Floats
    lone: int
    before: Floats
    """Events each unit of ``uniq`` had on the arm before this batch (all triggers see
    every event, so a tracker whose field never went missing shares these counts)."""
    events: Floats
    """Events per unit code on the arm before this batch (a copy is taken when a tracker
    first needs counts of its own)."""

    @classmethod
    def of(cls, uniq: NDArray[np.int64], inv: NDArray[np.int64], events: Floats) -> UnitBatch:
        named = inv >= 0
        lone = len(inv) - int(np.count_nonzero(named))
        counts = np.bincount(inv[named] if lone else inv, minlength=len(uniq)).astype(float)
        before = np.zeros(len(uniq))
        known = uniq < len(events)
        before[known] = events[uniq[known]]
        return cls(uniq, inv, counts, lone, before, events)


def _empty() -> Floats:
    return np.zeros(0)


def _grown(values: Floats, size: int) -> Floats:
    """``values`` with room for ``size`` entries (zeros added, doubling)."""
    if size <= len(values):
        return values
    grown = np.zeros(max(size, 2 * len(values), 64))
    grown[: len(values)] = values
    return grown


@dataclass
class ArmStats:
    """One arm's sufficient statistics for one trigger (see the module docstring).

    ``clusters`` counts routing units with at least one value; ``anonymous`` counts values
    without a unit (one cluster each). A metric provider's aggregates may give the sums
    over clusters directly (no per-unit arrays)."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    raw_total: float = 0.0
    sum_n2: float = 0.0
    sum_s2: float = 0.0
    sum_ns: float = 0.0
    anonymous: int = 0
    clusters: int = 0
    _n_u: Floats | None = field(default=None, repr=False, compare=False)
    """Values per unit code; None while the arm's every event had one (the counts are
    then the arm's shared event counts)."""
    _s_u: Floats = field(default_factory=_empty, repr=False, compare=False)
    """Sum per unit code; empty while ``_uniform`` is set."""
    _uniform: float | None = field(default=None, repr=False, compare=False)
    """While every value of a routing unit so far was this one number (a field always
    present or always absent: presence flags all 0 or all 1), each unit's sum is that
    number times its count and no per-unit sums are kept. None: not yet, or no longer."""
    _named: bool = field(default=False, repr=False, compare=False)

    def add(self, x: Floats, raw: Floats, units: UnitBatch, rows: NDArray[np.bool_] | None) -> None:
        """Add values ``x`` (tested scale) and ``raw`` of the events ``rows`` of
        ``units``' batch (None: every event). O(len(x)) numpy work."""
        if not len(x):
            return
        if rows is not None:
            self.detach(units)
        self.n += len(x)
        self.total += float(x.sum())
        self.total_sq += float(x @ x)
        self.raw_total += float(raw.sum())
        inv = units.inv if rows is None else units.inv[rows]
        anonymous = inv < 0 if units.lone else None
        if anonymous is not None and anonymous.any():
            xa = x[anonymous]
            self.anonymous += len(xa)
            self.sum_n2 += len(xa)
            self.sum_s2 += float(xa @ xa)
            self.sum_ns += float(xa.sum())
            x, inv = x[~anonymous], inv[~anonymous]
        if not len(x):
            return
        if rows is None:
            dn = units.counts
        else:
            dn = np.bincount(inv, minlength=len(units.uniq)).astype(float)
        ds = np.bincount(inv, weights=x, minlength=len(units.uniq)).astype(float)
        self._settle(units)
        self._add_units(units, dn, ds)

    def detach(self, units: UnitBatch) -> None:
        """Keep counts of this field's own from now on: some events of ``units``' batch
        lack it, so its counts part from the arm's event counts (equal until now)."""
        if self._n_u is None:
            self._n_u = units.events.copy()

    def _settle(self, units: UnitBatch) -> None:
        """Keep per-unit sums from now on (values are no longer one number)."""
        if self._uniform is not None:
            counts = units.events if self._n_u is None else self._n_u
            self._s_u = self._uniform * counts
            self._uniform = None
        self._named = True

    def add_constant(self, value: float, units: UnitBatch) -> None:
        """Add ``value`` once for every event of ``units``' batch (a field present on all
        of them, or on none: presence flags of 0 or 1)."""
        k = len(units.inv)
        if not k:
            return
        self.n += k
        self.total += value * k
        self.total_sq += value * value * k
        self.raw_total += value * k
        if units.lone:
            self.anonymous += units.lone
            self.sum_n2 += units.lone
            self.sum_s2 += value * value * units.lone
            self.sum_ns += value * units.lone
        if k == units.lone:
            return
        if not self._named:
            self._uniform, self._named = value, True
        if self._uniform == value:
            self._add_uniform(units, value)
            return
        self._settle(units)
        self._add_units(units, units.counts, value * units.counts)

    def _add_uniform(self, units: UnitBatch, value: float) -> None:
        """:meth:`_add_units` when every value so far, these included, is ``value``."""
        uniq, dn = units.uniq, units.counts
        if self._n_u is None:
            n0 = units.before
        else:
            self._n_u = _grown(self._n_u, int(uniq.max()) + 1)
            n0 = self._n_u[uniq]
        grown = float(dn @ (2 * n0 + dn))  # Σ (n0 + dn)² - n0²
        self.sum_n2 += grown
        self.sum_s2 += value * value * grown
        self.sum_ns += value * grown
        self.clusters += int(np.count_nonzero((n0 == 0) & (dn > 0)))
        if self._n_u is not None:
            self._n_u[uniq] = n0 + dn

    def _add_units(self, units: UnitBatch, dn: Floats, ds: Floats) -> None:
        uniq = units.uniq
        if self._n_u is None:
            n0 = units.before  # every event of these units so far had a value
        else:
            self._n_u = _grown(self._n_u, int(uniq.max()) + 1)
            n0 = self._n_u[uniq]
        self._s_u = _grown(self._s_u, int(uniq.max()) + 1)
        s0 = self._s_u[uniq]
        self.sum_n2 += float(dn @ (2 * n0 + dn))
        self.sum_s2 += float(ds @ (2 * s0 + ds))
        self.sum_ns += float(n0 @ ds + s0 @ dn + dn @ ds)
        self.clusters += int(np.count_nonzero((n0 == 0) & (dn > 0)))
        if self._n_u is not None:
            self._n_u[uniq] = n0 + dn
        self._s_u[uniq] = s0 + ds

    @property
    def usable(self) -> bool:
        """Whether the statistics can be tested: a count >= 0 and finite sums, whose
        square is finite too (the variance needs it). A provider may deliver anything."""
        sums = (self.total, self.total_sq, self.raw_total, self.total * self.total)
        cluster_sums = (self.sum_n2, self.sum_s2, self.sum_ns)
        return (
            self.n >= 0
            and all(math.isfinite(x) for x in sums + cluster_sums)
            and self.clusters >= 0
            and self.anonymous >= 0
        )

    @property
    def clustered(self) -> bool:
        """Whether any value came with a routing unit (else request-level variance)."""
        return self.clusters > 0

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def var(self) -> float:
        if self.n < 2:
            return 0.0
        return max(0.0, (self.total_sq - self.n * self.mean**2) / (self.n - 1))

    @property
    def cluster_var(self) -> float:
        """Cluster-robust variance of the mean (0 without units)."""
        if not self.clustered:
            return 0.0
        return cluster_mean_variance(
            self.n,
            self.total,
            self.sum_n2,
            self.sum_s2,
            self.sum_ns,
            self.clusters + self.anonymous,
        )


def _fresh() -> dict[str, ArmStats]:
    return {"candidate": ArmStats(), "control": ArmStats()}


@dataclass
class Carry:
    """Evidence of the weight periods already finished (strata). Each test continues on
    the sum of the periods' scores: ``z = Σ z_k √u_k / √Σ u_k`` at information ``Σ u_k``
    (the score process goes on across the change, each period compared within itself, so
    a base rate that moves with the weight cannot masquerade as a regression); incident
    splits multiply their e-values; zero-tolerance counts add up."""

    score: float = 0.0
    info: float = 0.0
    missing_score: float = 0.0
    missing_info: float = 0.0
    split_log_e: float = 0.0
    split_clear: float = 0.0
    count: float = 0.0
    periods: int = 0


@dataclass
class Tracker:
    """Running statistics and test for one (resolved) trigger."""

    trigger: Trigger
    alpha: float
    prior_n: float = DEFAULT_PRIOR_N
    arms: dict[str, ArmStats] = field(default_factory=_fresh)
    presence: dict[str, ArmStats] = field(default_factory=_fresh)
    """Per arm: every event, valued 1 when it lacks the trigger's field."""
    fired: bool = False
    missing_fired: bool = False
    log_override: bool | None = None
    """Set when a metric provider aggregated on another scale than the trigger's."""
    carry: Carry = field(default_factory=Carry)
    """Evidence of finished weight periods (see :class:`Carry`)."""

    def new_period(self) -> None:
        """Freeze the statistics so far as one stratum and start counting afresh."""
        cand, ctrl = self.arms["candidate"], self.arms["control"]
        c = self.carry
        if self.trigger.statistic == "count":
            c.count += cand.total
        elif min(cand.n, ctrl.n) >= MIN_PER_ARM:
            if self.trigger.statistic == "incident_split":
                log_e, clear = self._split_evidence(cand, ctrl)
                c.split_log_e, c.split_clear = c.split_log_e + log_e, c.split_clear + clear
            else:
                z, u, _ = self._z(cand, ctrl)
                c.score, c.info = c.score + z * math.sqrt(u), c.info + u
        pc, pb = self.presence["candidate"], self.presence["control"]
        if min(pc.n, pb.n) >= MIN_PER_ARM:
            z, u, _ = _rate_test(pc, pb, 1.0, 0.0, self.prior_n)
            c.missing_score, c.missing_info = c.missing_score + z * math.sqrt(u), c.missing_info + u
        c.periods += 1
        self.arms, self.presence = _fresh(), _fresh()

    def _z(self, cand: ArmStats, ctrl: ArmStats) -> tuple[float, float, float]:
        if self.trigger.statistic in ("rate", "share_above"):
            z, u, deff = self._rate_z(cand, ctrl)
        else:
            z, u, deff = self._mean_z(cand, ctrl)
        return (max(-1e6, min(1e6, z)) if math.isfinite(z) else 0.0), u, deff

    @property
    def sign(self) -> float:
        return 1.0 if self.trigger.worse_when == "higher" else -1.0

    @property
    def statistical(self) -> bool:
        return self.trigger.statistic != "count"

    @property
    def value_alpha(self) -> float:
        return self.alpha * (1 - PRESENCE_SHARE)

    @property
    def presence_alpha(self) -> float:
        return self.alpha * PRESENCE_SHARE

    @property
    def log_scale(self) -> bool:
        if self.log_override is not None:
            return self.log_override
        return self.trigger.statistic == "geometric_mean"

    @property
    def statistic(self) -> str:
        """The statistic actually tested (a provider's scale may override the policy's)."""
        stat = self.trigger.statistic or ""
        if stat in ("mean", "geometric_mean"):
            return "geometric_mean" if self.log_scale else "mean"
        return stat

    def observe(self, arm: str, values: Floats, units: UnitBatch) -> None:
        """Add one arm's values of the trigger's metric (NaN: the event lacks it)."""
        missing = np.isnan(values)
        absent = int(np.count_nonzero(missing))
        if absent == 0 or absent == len(values):
            self.presence[arm].add_constant(float(absent > 0), units)
        else:
            flags = missing.astype(float)
            self.presence[arm].add(flags, flags, units, None)
        if absent:
            self.arms[arm].detach(units)
        if absent == 0:
            self.arms[arm].add(self._transform(values), values, units, None)
        elif absent < len(values):
            present = ~missing
            kept = values[present]
            self.arms[arm].add(self._transform(kept), kept, units, present)

    def _transform(self, raw: Floats) -> Floats:
        t = self.trigger
        higher = t.worse_when == "higher"
        if t.statistic == "share_above":
            bad: NDArray[np.bool_] = (raw > (t.threshold or 0.0)) == higher
            return bad.astype(float)
        if t.statistic in ("rate", "count", "incident_split"):
            positive: NDArray[np.bool_] = (raw > 0) == higher
            return positive.astype(float)
        if self.log_scale:
            logged: Floats = np.log(np.maximum(raw, 0.0) + self._offset)
            return logged
        return raw

    @property
    def _offset(self) -> float:
        return GEOMETRIC_OFFSET.get(self.trigger.metric or "", DEFAULT_LOG_OFFSET)

    # ------------------------------------------------------------------ reports

    def report(self) -> MetricReport:
        cand, ctrl = self.arms["candidate"], self.arms["control"]
        base = self._presence(self._base(cand, ctrl))
        if self.trigger.statistic == "count":
            return self._count_report(base, cand, ctrl)
        short = min(cand.n, ctrl.n) < MIN_PER_ARM
        if short and self.carry.periods and (self.carry.info > 0 or self.carry.split_log_e):
            return self._carried_report(base)
        if cand.n == 0 or ctrl.n == 0:
            return base.model_copy(update={"status": self._held("no_data")})
        if short:
            return base.model_copy(update={"status": self._held("collecting")})
        if self.trigger.statistic == "incident_split":
            return self._split_report(base, cand, ctrl)
        return self._test_report(base, cand, ctrl)

    def _held(self, status: Status) -> Status:
        return "regression" if self.fired or self.missing_fired else status

    def _base(self, cand: ArmStats, ctrl: ArmStats) -> MetricReport:
        t = self.trigger
        return MetricReport(
            trigger=t.label,
            metric=t.metric or "",
            statistic=self.statistic,
            status="no_data",
            n_candidate=cand.n,
            n_control=ctrl.n,
            candidate=self._natural(cand),
            control=self._natural(ctrl),
            relative=t.relative,
            worse_when=t.worse_when or "higher",
            threshold=t.threshold,
            margin=t.margin,
            alpha=self.value_alpha if self.statistical else 0.0,
            note=None if self.log_override is None else _scale_note(self.log_scale),
        )

    def _presence(self, base: MetricReport) -> MetricReport:
        """Field presence per arm, and (for statistical triggers) its own test."""
        pc, pb = self.presence["candidate"], self.presence["control"]
        update: dict[str, object] = {
            "events_candidate": pc.n,
            "events_control": pb.n,
            "missing_candidate": round(pc.total),
            "missing_control": round(pb.total),
        }
        c = self.carry
        enough = min(pc.n, pb.n) >= MIN_PER_ARM
        if self.statistical and (c.missing_info > 0 or (enough and pc.total > 0)):
            z, u, _ = _rate_test(pc, pb, 1.0, 0.0, self.prior_n) if enough else (0.0, 0.0, 1.0)
            z, u = _pooled(c.missing_score, c.missing_info, z, u)
            log_e = float(standardized_log_e(z, u))
            self.missing_fired = self.missing_fired or log_e >= math.log(1 / self.presence_alpha)
            update["missing_e_value"] = math.exp(min(log_e, 700.0))
        update["missing_fired"] = self.missing_fired
        update["missing_alpha"] = self.presence_alpha if self.statistical else 0.0
        return base.model_copy(update=update)

    def _count_report(self, base: MetricReport, cand: ArmStats, ctrl: ArmStats) -> MetricReport:
        counts = {"scale": "count", "candidate": cand.total, "control": ctrl.total}
        if cand.n == 0:
            return base.model_copy(update={**counts, "candidate": None})
        self.fired = self.fired or cand.total + self.carry.count > (self.trigger.threshold or 0.0)
        status: Status = "regression" if self.fired else "ok"
        return base.model_copy(update={**counts, "status": status})

    def _split_report(self, base: MetricReport, cand: ArmStats, ctrl: ArmStats) -> MetricReport:
        """Incidents split between the arms against the exposure share (see
        :func:`~clearance.stats.split_log_e`)."""
        kc, kb = cand.total, ctrl.total
        share = cand.n / (cand.n + ctrl.n)
        log_e, clear = self._split_evidence(cand, ctrl)
        log_e, clear = log_e + self.carry.split_log_e, clear + self.carry.split_clear
        threshold = math.log(1 / self.value_alpha)
        self.fired = self.fired or log_e >= threshold
        cleared = clear >= threshold
        status = self._held("ok" if cleared else "inconclusive")
        ratio = _ratio_effect(kc / cand.n, kb / ctrl.n)
        lo, hi = split_ratio_interval(kc, kb, share, self.value_alpha)
        return base.model_copy(
            update={
                "status": status,
                "scale": "split",
                "candidate": kc,
                "control": kb,
                "effect": ratio,
                "interval": (lo - 1, hi - 1) if math.isfinite(hi) else None,
                "exposure_share": share,
                "e_value": math.exp(min(log_e, 700.0)),
            }
        )

    def _split_evidence(self, cand: ArmStats, ctrl: ArmStats) -> tuple[float, float]:
        """log e-values of a regression and of none beyond the margin, from the split."""
        share = cand.n / (cand.n + ctrl.n)
        null = 1 + self.trigger.margin
        kc, kb = cand.total, ctrl.total
        regression = float(split_log_e(kc, kb, share, null))
        return regression, float(split_log_e(kc, kb, share, null, CLEAR_RATIOS))

    def _carried_report(self, base: MetricReport) -> MetricReport:
        """Too little data in the current weight period: the earlier periods decide."""
        c, threshold = self.carry, math.log(1 / self.value_alpha)
        if self.trigger.statistic == "incident_split":
            log_e, clear = c.split_log_e, c.split_clear
        else:
            z, u = _pooled(c.score, c.info, 0.0, 0.0)
            log_e, clear = float(standardized_log_e(z, u)), float(standardized_log_e(-z, u))
        self.fired = self.fired or log_e >= threshold
        status = self._held("ok" if clear >= threshold else "inconclusive")
        note = f"from {c.periods} earlier weight period(s); the current one is still collecting"
        update = {"status": status, "e_value": math.exp(min(log_e, 700.0)), "note": note}
        return base.model_copy(update=update)

    def _test_report(self, base: MetricReport, cand: ArmStats, ctrl: ArmStats) -> MetricReport:
        z, u, deff = self._z(cand, ctrl)  # e saturates long before the clip
        u_now = u  # the interval is the current period's own
        if self.carry.info > 0:
            z, u = _pooled(self.carry.score, self.carry.info, z, u)
        if self.trigger.horizon:
            return self._horizon_report(base, cand, ctrl, z, u, deff)
        log_e = float(standardized_log_e(z, u))
        threshold = math.log(1 / self.value_alpha)
        self.fired = self.fired or log_e >= threshold
        cleared = float(standardized_log_e(-z, u)) >= threshold
        status = self._held("ok" if cleared else "inconclusive")
        boundary = float(mixture_boundary(u_now, self.value_alpha))
        effect, interval, scale = self._interval(cand, ctrl, boundary, deff)
        bounded = all(math.isfinite(x) for x in interval)
        return base.model_copy(
            update={
                "status": status,
                "effect": effect,
                "interval": interval if bounded else None,
                "scale": scale,
                "e_value": math.exp(min(log_e, 700.0)),
                "design_effect": deff,
            }
        )

    def _horizon_report(
        self, base: MetricReport, cand: ArmStats, ctrl: ArmStats, z: float, u: float, deff: float
    ) -> MetricReport:
        """The group-sequential test to a stated horizon: fire when ``z ≥ c / √τ`` with
        ``τ`` the share of the horizon's information seen and ``c = z(1 - α/2)`` (the
        reflection principle bounds the chance that a driftless score ever crosses
        ``c √V_horizon`` before the horizon by ``α``)."""
        horizon = self.trigger.horizon or 1
        tau = u * self.prior_n / horizon
        c = float(special.ndtri(1 - self.value_alpha / 2))
        past = tau > 1
        boundary = math.inf if past else c / math.sqrt(max(tau, 1e-12))
        self.fired = self.fired or z >= boundary
        cleared = -z >= c / math.sqrt(max(min(tau, 1.0), 1e-12))
        status = self._held("ok" if cleared else "inconclusive")
        shown = c / math.sqrt(max(min(tau, 1.0), 1e-12))
        effect, interval, scale = self._interval(cand, ctrl, shown, deff)
        bounded = all(math.isfinite(x) for x in interval)
        note = (
            f"tested to a horizon of {horizon:,} per arm: z={z:.3g} vs {shown:.3g} at "
            f"{min(tau, 9.99):.0%} of its information"
            + ("; past the horizon, it no longer fires" if past else "")
        )
        return base.model_copy(
            update={
                "status": status,
                "effect": effect,
                "interval": interval if bounded else None,
                "scale": scale,
                "design_effect": deff,
                "note": note,
            }
        )

    def _rate_z(self, cand: ArmStats, ctrl: ArmStats) -> tuple[float, float, float]:
        t = self.trigger
        ratio, shift = (1 + t.margin, 0.0) if t.relative else (1.0, t.margin)
        return _rate_test(cand, ctrl, ratio, shift, self.prior_n)

    def _ratio_shift(self) -> tuple[float, float]:
        t, s = self.trigger, self.sign
        if self.log_scale:
            return 1.0, s * math.log1p(s * t.margin)
        return (1 + s * t.margin, 0.0) if t.relative else (1.0, s * t.margin)

    def _mean_z(self, cand: ArmStats, ctrl: ArmStats) -> tuple[float, float, float]:
        """Welch z of ``s·mean_c > ratio · s·mean_b + shift`` with cluster-robust
        variances of the means."""
        s = self.sign
        ratio, shift = self._ratio_shift()
        (vc, vb), deff = _mean_variances(cand, ctrl, ratio)
        se2 = vc + ratio * ratio * vb
        z = (s * cand.mean - ratio * s * ctrl.mean - shift) / math.sqrt(se2) if se2 > 0 else 0.0
        u = float(information_ratio(cand.n, ctrl.n, self.prior_n)) / deff
        return z, u, deff

    def _interval(
        self, cand: ArmStats, ctrl: ArmStats, boundary: float, deff: float
    ) -> tuple[float | None, tuple[float, float], Scale]:
        t = self.trigger
        diff = cand.mean - ctrl.mean
        if t.statistic in ("rate", "share_above"):
            if t.relative:
                # The inverted score test (closed-form restricted MLE): the interval
                # says what the test decides.
                lo, hi = rate_ratio_interval(
                    cand.total, cand.n, ctrl.total, ctrl.n, boundary * math.sqrt(deff)
                )
                return _ratio_effect(cand.mean, ctrl.mean), (lo - 1, hi - 1), "ratio"
            # The inverted score test: the interval says what the test decides.
            found = rate_difference_interval(
                cand.total, cand.n, ctrl.total, ctrl.n, boundary * math.sqrt(deff)
            )
            return diff, found, "difference"
        (vc, vb), _ = _mean_variances(cand, ctrl, 1.0)
        if self.log_scale:
            half = boundary * math.sqrt(vc + vb)
            return _expm1(diff), (_expm1(diff - half), _expm1(diff + half)), "ratio"
        if t.relative:
            lo, hi = ratio_interval(cand.mean, vc, ctrl.mean, vb, boundary)
            return _ratio_effect(cand.mean, ctrl.mean), (lo - 1, hi - 1), "ratio"
        half = boundary * math.sqrt(vc + vb)
        return diff, (diff - half, diff + half), "difference"

    def _natural(self, arm: ArmStats) -> float | None:
        """The arm's value on the scale the trigger tests and its reason prints."""
        if arm.n == 0:
            return None
        if self.trigger.statistic in ("count", "incident_split"):
            return arm.total
        if self.trigger.statistic in ("mean", "geometric_mean"):
            if self.log_scale:
                return _expm1(arm.mean) + 1 - self._offset
            return arm.raw_total / arm.n
        return arm.mean


def _pooled(score: float, info: float, z: float, u: float) -> tuple[float, float]:
    """The standardised score of earlier periods (``score`` at information ``info``)
    continued by the current one's ``z`` at ``u``."""
    total = info + u
    if total <= 0:
        return 0.0, 0.0
    return (score + z * math.sqrt(u)) / math.sqrt(total), total


def _rate_test(
    cand: ArmStats, ctrl: ArmStats, ratio: float, shift: float, prior_n: float
) -> tuple[float, float, float]:
    """Farrington-Manning score z, divided by the root of the design effect of the
    routing units' clustering; the information ratio shrinks by the same factor."""
    z = float(rate_z(cand.total, cand.n, ctrl.total, ctrl.n, ratio, shift))
    deff = _design_effect(cand, ctrl, ratio)
    u = float(information_ratio(cand.n, ctrl.n, prior_n)) / deff
    return z / math.sqrt(deff), u, deff


def _design_effect(cand: ArmStats, ctrl: ArmStats, ratio: float) -> float:
    """Cluster-robust over request-level variance of ``mean_c - ratio · mean_b``, at
    least 1 (no units, or no clustering: 1)."""
    if not (cand.clustered or ctrl.clustered):
        return 1.0
    iid = cand.var / max(cand.n, 1) + ratio * ratio * ctrl.var / max(ctrl.n, 1)
    clustered = _arm_var(cand) + ratio * ratio * _arm_var(ctrl)
    if iid <= 0 or not math.isfinite(clustered):
        return 1.0
    return max(1.0, clustered / iid)


def _arm_var(arm: ArmStats) -> float:
    iid = arm.var / max(arm.n, 1)
    return max(arm.cluster_var, iid) if arm.clustered else iid


def _mean_variances(
    cand: ArmStats, ctrl: ArmStats, ratio: float
) -> tuple[tuple[float, float], float]:
    """Variances of the two means (cluster-robust, never below request-level) and the
    design effect of their combination."""
    return (_arm_var(cand), _arm_var(ctrl)), _design_effect(cand, ctrl, ratio)


def _ratio_effect(mean_c: float, mean_b: float) -> float | None:
    if mean_b == 0:
        return None
    effect = mean_c / mean_b - 1
    return effect if math.isfinite(effect) else None


def _scale_note(log_scale: bool) -> str:
    if log_scale:
        return "tested on the log scale: the metric provider aggregates log values"
    return "tested on the raw scale: the metric provider aggregates raw values"


def _expm1(x: float) -> float:
    """``exp(x) - 1``, capped at ``exp(700)`` instead of overflowing on absurd inputs."""
    return math.expm1(min(x, 700.0))

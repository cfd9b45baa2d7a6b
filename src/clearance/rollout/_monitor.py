"""The rollout monitor: candidate vs control on live telemetry, one decision per update."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from clearance.errors import UsageError
from clearance.policy import GOOD_WHEN_TRUE, Action, Policy, Stage, Trigger
from clearance.rollout._columns import EventColumns, check_columns, to_columns
from clearance.rollout._scorecard import ScoreRow, scorecard
from clearance.rollout._srm import SrmCheck, SrmReport
from clearance.rollout._telemetry import TelemetryEvent
from clearance.rollout._trackers import ArmStats, MetricReport, Tracker, UnitBatch
from clearance.stats import DEFAULT_PRIOR_N

MonitorDecision = Literal["continue", "advance", "rollback", "pause"]
_GOOD_WHEN_TRUE = GOOD_WHEN_TRUE
_ARMS = ("candidate", "control")


class Firing(BaseModel):
    """A trigger that fired, with the action the policy declared for it."""

    trigger: str
    action: Action
    tool: str | None = None
    reason: str


class Snapshot(BaseModel):
    """Per-arm aggregates since a stage began, as a metric provider reports them.

    ``stats`` maps each trigger's label to its arms' sufficient statistics (the values
    :class:`Monitor` would have accumulated from the events); ``units`` are distinct
    units per arm for the sample-ratio check, or None when the provider cannot count them.
    ``invalid`` names what the provider read but could not use (a NaN or infinite
    series): the monitor never advances on such a snapshot.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    stats: dict[str, dict[str, ArmStats]]
    requests: dict[str, int]
    presence: dict[str, dict[str, ArmStats]] | None = None
    """Per trigger and arm, the statistics of the field's absence (1 per event without
    it), with sums over units; None: derived from ``requests`` request by request."""
    units: dict[str, int] | None = None
    duration_s: float = 0.0
    invalid: list[str] = []


class Decision(BaseModel):
    """What the stage should do now, and why."""

    action: MonitorDecision
    reasons: list[str]
    fired: list[Firing] = []
    held: list[Firing] = []
    """Statistical triggers that would have fired, held by a sample-ratio mismatch (their
    counts are biased); the decision is then a pause."""
    metrics: list[MetricReport] = []
    srm: SrmReport | None = None
    scorecard: list[ScoreRow] = []
    """Candidate vs control on quality, latency, cost, feedback, safety events and
    escalations (see :mod:`clearance.rollout._scorecard`)."""
    n_candidate: int = 0
    n_control: int = 0
    duration_s: float = 0.0


def split_alpha(triggers: Sequence[Trigger], alpha: float) -> list[float]:
    """Each statistical trigger's share of ``alpha``: declared shares first, the rest
    split evenly. Count triggers are deterministic and take none."""
    tested = [t for t in triggers if t.statistic != "count"]
    declared = sum(t.alpha_share or 0.0 for t in tested)
    if declared > 1 + 1e-9:
        raise UsageError(f"trigger alpha_share values add up to {declared:g}, more than 1")
    rest = [t for t in tested if t.alpha_share is None]
    even = (1 - declared) / len(rest) if rest else 0.0
    if rest and even <= 0:
        raise UsageError("alpha_share values use the whole budget: triggers without one get none")
    return [0.0 if t.statistic == "count" else alpha * (t.alpha_share or even) for t in triggers]


class Monitor:
    """Sequential candidate-vs-control analysis of one rollout stage.

    Args:
        triggers: a :class:`~clearance.policy.Policy` (its triggers, and its
            ``rollout.alpha`` unless ``alpha`` is given) or a list of triggers.
        alpha: chance of any false rollback in the stage, split across triggers.
        stage: the stage being run; gives min duration/samples, cap and candidate weight.
        candidate_weight: expected share of units routed to the candidate, for the
            sample-ratio check (defaults to ``stage.weight`` when it is in (0, 1)).
        srm_alpha: false-alarm budget of the sample-ratio check (a mismatch pauses).
        prior_n: per-arm sample size where the sequential tests are most sensitive.
    """

    def __init__(
        self,
        triggers: Policy | Sequence[Trigger],
        alpha: float | None = None,
        *,
        stage: Stage | None = None,
        candidate_weight: float | None = None,
        srm_alpha: float = 1e-3,
        prior_n: float = DEFAULT_PRIOR_N,
    ) -> None:
        if isinstance(triggers, Policy):
            alpha = triggers.rollout.alpha if alpha is None else alpha
            triggers = triggers.triggers
        alpha = 0.05 if alpha is None else alpha
        if not 0 < alpha < 1:
            raise UsageError(f"alpha must be in (0, 1), got {alpha}")
        resolved = [t.resolved() for t in triggers]
        shares = split_alpha(resolved, alpha)
        self.alpha = alpha
        self.stage = stage
        self._trackers = [Tracker(t, a, prior_n) for t, a in zip(resolved, shares, strict=True)]
        weight = candidate_weight if candidate_weight is not None else _stage_weight(stage)
        self._srm = SrmCheck(weight, srm_alpha) if weight is not None else None
        self._counts = {"candidate": 0, "control": 0}
        self._fields = sorted({t.metric or "" for t in resolved})
        self._index: dict[str | int, int] = {"": -1}
        """Each routing unit's code ("" is no unit: -1)."""
        self._local = {arm: np.full(0, -1, dtype=np.int64) for arm in _ARMS}
        """Per arm, a unit code's arm-local code (-1: not seen on the arm)."""
        self._events = {arm: np.zeros(0) for arm in _ARMS}
        """Per arm, events per arm-local unit code (shared by the trackers)."""
        self.periods = 1
        """Weight periods (strata) so far: see :meth:`reweight`."""
        self._seen = dict.fromkeys(_ARMS, 0)
        """Per arm, distinct units seen."""
        self._lone = dict.fromkeys(_ARMS, 0)
        """Per arm, events without a unit (each counts as a unit of its own)."""
        self._first_ts = math.inf
        self._last_ts = -math.inf
        self._window_s: float | None = None
        self._invalid: list[str] = []

    def reweight(self, weight: float) -> None:
        """Start a new weight period: the candidate's traffic share changed (to
        ``weight``) within what this monitor watches. The periods are analysed as strata,
        each comparing its own arms (see :class:`~clearance.rollout._trackers.Carry`), and
        the sample-ratio check restarts at the new share, so neither a base rate that moves
        with the weight nor the new split is mistaken for a regression. A controller
        starts one monitor per stage and never needs this."""
        if not 0 < weight < 1:
            raise UsageError(f"candidate weight must be in (0, 1), got {weight}")
        for tracker in self._trackers:
            tracker.new_period()
        self._local = {arm: np.full(0, -1, dtype=np.int64) for arm in _ARMS}
        self._events = {arm: np.zeros(0) for arm in _ARMS}
        self._seen = dict.fromkeys(_ARMS, 0)
        self._lone = dict.fromkeys(_ARMS, 0)
        if self._srm is not None:
            tripped = self._srm.tripped  # a mismatch found earlier still stands
            self._srm = SrmCheck(weight, self._srm.alpha)
            self._srm.tripped = tripped
        self.periods += 1

    @property
    def triggers(self) -> list[Trigger]:
        """The resolved triggers, in the order of the reports."""
        return [tracker.trigger for tracker in self._trackers]

    def load(self, snapshot: Snapshot) -> Decision:
        """Replace the statistics with ``snapshot``'s (cumulative aggregates since the
        stage began, from a metric provider) and decide. A trigger fired by an earlier
        load stays fired: each load is one look of the sequential test.

        Statistics that are not finite (a NaN or infinite sum, a negative count) are
        dropped as missing data, and while any are, the decision is at best a pause."""
        from clearance.rollout._provider import is_log_scale  # the providers' contract

        self._invalid = list(snapshot.invalid)
        self._counts = {arm: snapshot.requests.get(arm, 0) for arm in ("candidate", "control")}
        for tracker in self._trackers:
            arms = snapshot.stats.get(tracker.trigger.label, {})
            tracker.arms = {
                arm: self._usable(tracker, arms, arm) for arm in ("candidate", "control")
            }
            given = (snapshot.presence or {}).get(tracker.trigger.label, {})
            tracker.presence = {
                arm: given[arm]
                if arm in given and given[arm].usable
                else self._present(tracker, arm)
                for arm in tracker.arms
            }
            if tracker.trigger.statistic in ("mean", "geometric_mean"):
                provided = is_log_scale(tracker.trigger)
                declared = tracker.trigger.statistic == "geometric_mean"
                tracker.log_override = None if provided == declared else provided
        self._window_s = snapshot.duration_s
        if not 0 <= snapshot.duration_s < math.inf:  # NaN too: never past a min or a cap
            self._invalid.append("duration_s")
            self._window_s = 0.0
        if self._srm is not None and snapshot.units is not None:
            self._srm.set_units(
                snapshot.units.get("candidate", 0), snapshot.units.get("control", 0)
            )
        return self.decision()

    def _usable(self, tracker: Tracker, arms: Mapping[str, ArmStats], arm: str) -> ArmStats:
        stats = arms.get(arm, ArmStats())
        if stats.usable:
            return stats
        self._invalid.append(f"{tracker.trigger.label} ({arm})")
        return ArmStats()

    def _present(self, tracker: Tracker, arm: str) -> ArmStats:
        """Field presence from a snapshot: the arm's requests, of which those without the
        trigger's value are missing (no units: request-level)."""
        events = max(0, self._counts[arm])
        missing = float(max(0, events - max(0, tracker.arms[arm].n)))
        return ArmStats(events, missing, missing, missing)

    def update(
        self, events: Iterable[Mapping[str, Any] | TelemetryEvent] | EventColumns = ()
    ) -> Decision:
        """Add new events (only new ones: statistics accumulate) and decide. ``events``
        may be dicts, :class:`TelemetryEvent` objects or :class:`EventColumns`."""
        if isinstance(events, EventColumns):
            columns = check_columns(events, self._fields)
        else:
            columns = to_columns(events, self._fields)
        self._observe(columns)
        return self.decision()

    def _observe(self, columns: EventColumns) -> None:
        if not len(columns):
            return
        self._first_ts = min(self._first_ts, float(columns.ts.min()))
        self._last_ts = max(self._last_ts, float(columns.ts.max()))
        mask = columns.candidate
        codes = self._unit_codes(columns.unit)
        for arm, rows in (("candidate", np.flatnonzero(mask)), ("control", np.flatnonzero(~mask))):
            if not len(rows):
                continue
            self._counts[arm] += len(rows)
            whole = len(rows) == len(mask)
            units = self._units(arm, codes if whole else codes[rows])
            for tracker in self._trackers:
                values = columns.fields[tracker.trigger.metric or ""]
                tracker.observe(arm, values if whole else values[rows], units)
            self._count_events(arm, units)
        if self._srm is not None:
            self._srm.set_units(*(self._seen[a] + self._lone[a] for a in _ARMS))

    def _unit_codes(self, names: Sequence[str] | NDArray[np.integer[Any]]) -> NDArray[np.int64]:
        """A code per event's unit, shared by the arms (-1: no unit). Integer unit ids
        (negative: none) are coded by their distinct values only."""
        index = self._index
        if isinstance(names, np.ndarray) and names.dtype.kind in "iu":
            ids, inverse = np.unique(names, return_inverse=True)
            keys: list[Any] = [int(i) if i >= 0 else "" for i in ids.tolist()]
            coded = np.array([index.setdefault(k, len(index)) for k in keys], dtype=np.int64)
            return coded[inverse] if len(coded) else np.zeros(0, dtype=np.int64)
        return np.array(list(map(index.setdefault, names, map(len, repeat(index, len(names))))))

    def _count_events(self, arm: str, units: UnitBatch) -> None:
        """After the trackers saw a batch: the arm's events per unit."""
        if len(units.uniq):
            size = int(units.uniq.max()) + 1
            if size > len(self._events[arm]):
                grown = np.zeros(max(size, 2 * len(self._events[arm]), 64))
                grown[: len(self._events[arm])] = self._events[arm]
                self._events[arm] = grown
            self._events[arm][units.uniq] = units.before + units.counts

    def _units(self, arm: str, codes: NDArray[np.int64]) -> UnitBatch:
        """Arm-local unit codes of one arm's events, as a :class:`UnitBatch`."""
        named = codes >= 0
        lone = len(codes) - int(np.count_nonzero(named))
        self._lone[arm] += lone
        uniq, found = np.unique(codes[named] if lone else codes, return_inverse=True)
        local = self._local[arm]
        if len(uniq) and uniq[-1] >= len(local):
            grown = np.full(max(int(uniq[-1]) + 1, 2 * len(local)), -1, dtype=np.int64)
            grown[: len(local)] = local
            local = self._local[arm] = grown
        mapped = local[uniq]
        new = mapped < 0
        if new.any():
            fresh = np.arange(self._seen[arm], self._seen[arm] + int(new.sum()), dtype=np.int64)
            local[uniq[new]] = fresh
            mapped[new] = fresh
            self._seen[arm] += len(fresh)
        inv = found.astype(np.int64)
        if lone:
            inv = np.full(len(codes), -1, dtype=np.int64)
            inv[named] = found
        return UnitBatch.of(mapped, inv, self._events[arm])

    @property
    def duration_s(self) -> float:
        if self._window_s is not None:
            return self._window_s
        return max(0.0, self._last_ts - self._first_ts) if self._last_ts > -math.inf else 0.0

    def decision(self) -> Decision:
        """The decision for the events seen so far."""
        reports = [tracker.report() for tracker in self._trackers]
        srm = self._srm.report() if self._srm is not None else None
        mismatch = srm is not None and srm.mismatch
        firings: list[Firing] = []
        held: list[Firing] = []
        for tracker, report in zip(self._trackers, reports, strict=True):
            if report.status != "regression":
                continue
            if mismatch and tracker.statistical:
                held.append(_firing(tracker, report, held=True))
            else:
                firings.append(_firing(tracker, report))
        action, reasons = self._verdict(reports, firings, held, srm)
        return Decision(
            action=action,
            reasons=reasons + [_describe(rep) for rep in reports if rep.status != "regression"],
            fired=firings,
            held=held,
            metrics=reports,
            srm=srm,
            scorecard=scorecard(reports, _describe),
            n_candidate=self._counts["candidate"],
            n_control=self._counts["control"],
            duration_s=self.duration_s,
        )

    def _verdict(
        self,
        reports: list[MetricReport],
        firings: list[Firing],
        held: list[Firing],
        srm: SrmReport | None,
    ) -> tuple[MonitorDecision, list[str]]:
        """Firings act in order rollback, pause; a sample-ratio mismatch holds every
        statistical trigger (its counts are biased, so it cannot roll back) and pauses,
        while zero-tolerance counts still act."""
        notes = [f.reason for f in firings]
        srm_notes = [srm.summary, *(f.reason for f in held)] if srm and srm.mismatch else []
        for wanted in ("rollback", "pause"):
            if any(f.action == wanted for f in firings):
                return wanted, [*notes, *srm_notes]
        if self._invalid:
            shown = ", ".join(self._invalid[:5]) + (" ..." if len(self._invalid) > 5 else "")
            return "pause", [
                *notes,
                *srm_notes,
                f"non-finite aggregates from the metric provider: {shown}",
            ]
        if srm_notes:
            return "pause", [*notes, *srm_notes]
        if firings:
            return "continue", notes
        return self._advance_or_continue(reports)

    def _advance_or_continue(
        self, reports: list[MetricReport]
    ) -> tuple[MonitorDecision, list[str]]:
        stage = self.stage or Stage(stage="canary")
        waiting = self._waiting(stage)
        blind = [r.trigger for r in reports if r.n_candidate == 0]
        open_ = [r.trigger for r in reports if r.status != "ok" and r.n_candidate > 0]
        capped = stage.max_duration_s is not None and self.duration_s >= stage.max_duration_s
        if not waiting and not open_ and not blind:
            return "advance", [
                "minimum duration and samples met; every trigger rules out a regression"
            ]
        short = [r.trigger for r in reports if r.status in ("no_data", "collecting")]
        floor = stage.min_samples > 0 or stage.min_duration_s > 0
        if stage.advance_when == "no_regression" and floor and not (waiting or blind or short):
            return "advance", [
                "minimum duration and samples met; no trigger detected a regression "
                f"(each sequential test at its share of alpha={self.alpha:g})",
                *(_ruled_out(tr, rep) for tr, rep in zip(self._trackers, reports, strict=True)),
            ]
        if capped and blind:
            return "pause", [
                f"stage cap of {stage.max_duration_s:g}s reached; "
                f"no candidate data for: {', '.join(blind)}"
            ]
        if capped and stage.advance_at_cap:
            return "advance", [f"stage cap of {stage.max_duration_s:g}s reached with no rollback"]
        if capped:
            return "pause", [f"stage cap reached but not ruled out: {', '.join(open_)}"]
        if blind:
            waiting.append(f"no candidate data for: {', '.join(blind)}")
        if open_:
            waiting.append(f"regression not yet ruled out for: {', '.join(open_)}")
        return "continue", waiting

    def _waiting(self, stage: Stage) -> list[str]:
        notes = []
        if self.duration_s < stage.min_duration_s:
            notes.append(f"stage ran {self.duration_s:.0f}s of {stage.min_duration_s:g}s minimum")
        fewest = min(self._counts.values())
        if fewest < stage.min_samples:
            notes.append(f"{fewest} requests on the smaller arm of {stage.min_samples} needed")
        return notes


def _ruled_out(tracker: Tracker, report: MetricReport) -> str:
    """The largest regression the evidence rules out for one trigger, on its own scale."""
    head = f"{report.trigger}: "
    if report.interval is None:
        return head + "no interval (counted, not estimated)"
    lo, hi = report.interval
    worst = hi if tracker.trigger.worse_when == "higher" else -lo
    if report.scale == "ratio":
        return head + f"rules out a regression beyond {worst:+.1%} (relative)"
    return head + f"rules out a regression beyond {worst:+.4g} (difference)"


def _stage_weight(stage: Stage | None) -> float | None:
    if stage is not None and 0 < stage.weight < 1:
        return stage.weight
    return None


def _firing(tracker: Tracker, report: MetricReport, *, held: bool = False) -> Firing:
    t = tracker.trigger
    what = "WOULD FIRE (held by the sample ratio mismatch)" if held else "FIRED"
    return Firing(
        trigger=t.label,
        action="pause" if held else t.action,
        tool=t.tool,
        reason=f"{what} {_describe(report)} -> {t.action}",
    )


def _pct(x: float) -> str:
    return f"{x:+.1%}"


def _share(k: float, n: int) -> str:
    return f"{k:g}/{n} ({k / n:.2%})" if n else f"{k:g}/0"


def _describe(r: MetricReport) -> str:
    """One line per trigger: what is compared, both arms' counts, the effect and its
    interval on the margin's scale, the evidence, missing data, the status."""
    negated = r.statistic == "rate" and r.metric in _GOOD_WHEN_TRUE
    what = f"{r.statistic} of {'not ' if negated else ''}{r.metric}"
    head = f"{r.trigger} ({what})"
    parts = [_arms(r)]
    if r.effect is not None or r.interval is not None:
        parts.append(_effect(r))
    if r.e_value is not None:
        parts.append(f"e={r.e_value:.3g} vs {1 / r.alpha:.3g}")
    if r.design_effect > 1.05:
        parts.append(f"variance x{r.design_effect:.2g} for clustering by unit")
    missing = _missing(r)
    if missing:
        parts.append(missing)
    if r.note:
        parts.append(r.note)
    return f"{head}: {'; '.join(parts)}: {_status(r)}"


def _status(r: MetricReport) -> str:
    if r.status == "no_data":
        return "no data on " + ("the candidate" if r.n_candidate == 0 else "the control")
    if r.status == "regression" and r.missing_fired:
        return f"regression (candidate lacks {r.metric} more often than the control)"
    return "collecting data" if r.status == "collecting" else r.status


def _arms(r: MetricReport) -> str:
    if r.scale == "count" or r.statistic == "count":
        return (
            f"candidate {r.candidate or 0:g} incident(s) in {r.n_candidate} events, "
            f"control {r.control or 0:g} in {r.n_control} (zero tolerance: fires above "
            f"{r.threshold or 0:g}; not error-controlled)"
        )
    if r.statistic == "incident_split":
        share = "n/a" if r.exposure_share is None else f"{r.exposure_share:.2%}"
        total = (r.candidate or 0) + (r.control or 0)
        return (
            f"incidents candidate {r.candidate or 0:g} in {r.n_candidate} events vs control "
            f"{r.control or 0:g} in {r.n_control}; candidate share of traffic {share}, "
            f"of incidents " + (f"{(r.candidate or 0) / total:.2%}" if total else "n/a")
        )
    if r.statistic in ("rate", "share_above"):
        kc = (r.candidate or 0) * r.n_candidate
        kb = (r.control or 0) * r.n_control
        cand, ctrl = _share(round(kc), r.n_candidate), _share(round(kb), r.n_control)
        return f"candidate {cand} vs control {ctrl}"
    kind = "geometric mean" if r.statistic == "geometric_mean" else "mean"
    c = "n/a" if r.candidate is None else f"{r.candidate:.4g}"
    b = "n/a" if r.control is None else f"{r.control:.4g}"
    return f"candidate {kind} {c} (n={r.n_candidate}) vs control {b} (n={r.n_control})"


def _effect(r: MetricReport) -> str:
    lo, hi = r.interval if r.interval is not None else (None, None)
    if r.scale == "split":
        shown = "n/a (no control incident)" if r.effect is None else f"{r.effect + 1:.3g}x"
        band = "" if lo is None or hi is None else f" [{lo + 1:.3g}x, {hi + 1:.3g}x]"
        return f"incident rate ratio {shown}{band}, margin {1 + r.margin:g}x"
    if r.scale == "ratio":
        eff = "n/a" if r.effect is None else _pct(r.effect)
        band = "" if lo is None or hi is None else f" [{_pct(lo)}, {_pct(hi)}]"
        sign = "-" if _lower_is_worse(r) else "+"
        return f"candidate vs control {eff}{band}, margin {sign}{r.margin:.0%}"
    eff = "n/a" if r.effect is None else f"{r.effect:+.4g}"
    band = "" if lo is None or hi is None else f" [{lo:+.4g}, {hi:+.4g}]"
    sign = "-" if _lower_is_worse(r) else "+"
    return f"difference {eff}{band}, margin {sign}{r.margin:g}"


def _lower_is_worse(r: MetricReport) -> bool:
    """Means that get worse downwards (a rate is always of the bad outcome)."""
    return r.statistic in ("mean", "geometric_mean") and r.worse_when == "lower"


def _missing(r: MetricReport) -> str:
    if not (r.missing_candidate or r.missing_control):
        return ""
    text = (
        f"missing {r.metric}: candidate {_share(r.missing_candidate, r.events_candidate)}, "
        f"control {_share(r.missing_control, r.events_control)}"
    )
    if r.missing_e_value is not None and r.missing_alpha > 0:
        text += f" (e={r.missing_e_value:.3g} vs {1 / r.missing_alpha:.3g})"
    return text

"""The data behind a release's rollout timeline, read from the store, on one clock.

Stages (entered, exited, traffic weight, outcome), the moments something happened to the
rollout (from the audit log: pauses, rollbacks, triggers), and candidate vs control per
compared metric in time buckets, each bucket a mean with a 95% normal interval.

Everything is placed on the rollout's own clock: the one its stage history was written
with (a simulation's, or the wall clock). An audit entry carries that moment as ``at``;
one without it (written before entries carried it) is placed at its wall-clock time only
when that falls inside the rollout, else listed but not drawn. Telemetry is drawn over
the rollout's span only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from clearance import governance
from clearance.store import StageEntryRecord, Store

COMPARED = ("quality", "latency_ms", "cost_usd", "feedback", "safety_event", "escalated")
"""The metrics the design compares at every stage."""
_MAX_EVENTS = 50_000
_BUCKETS = 24
_MARKED = ("pause", "paused", "rollback", "rolled_back", "trigger", "fired", "disable_tool")


@dataclass(frozen=True)
class StageSpan:
    stage: str
    weight: float
    start: float
    end: float | None
    outcome: str | None


@dataclass(frozen=True)
class Mark:
    at: float
    label: str
    kind: str
    """``rollback``, ``pause`` or ``event``."""


@dataclass(frozen=True)
class Series:
    """Per-bucket mean and interval of one metric on one arm (NaN where empty)."""

    times: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]


@dataclass
class Timeline:
    status: str = "not started"
    version: int | None = None
    """The rollout's version this page shows; its forms send it back (stale: refused)."""
    stages: list[StageSpan] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    """Events placed on the rollout's clock (drawn)."""
    unplaced: list[Mark] = field(default_factory=list)
    """Events whose moment on the rollout's clock is unknown (listed, not drawn)."""
    metrics: dict[str, dict[str, Series]] = field(default_factory=dict)
    window: tuple[float, float] | None = None
    """The rollout's span on its clock: first entry to the view's moment."""

    @property
    def span(self) -> tuple[float, float]:
        if self.window is not None:
            lo, hi = self.window
            return (lo, hi) if hi > lo else (lo, lo + 60.0)
        times = [t for arms in self.metrics.values() for s in arms.values() for t in s.times]
        now = datetime.now(UTC).timestamp()
        return (min(times), max(times)) if len(times) > 1 else (now - 3600, now)


def _ts(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def timeline(store: Store, release: str, clock: datetime | None = None) -> Timeline:
    """Everything the timeline charts need for ``release``, on the rollout's clock;
    ``clock`` is the view's moment on it (see :func:`clearance.release.rollout_view`)."""
    result = Timeline()
    with store.transaction() as tx:
        found = tx.rollouts.by_entry_time(release)
    if found is not None:
        rollout, entries = found
        result.status, result.version = rollout.status, rollout.version
        result.stages = [_span(entry) for entry in entries]
        ends = [s.end for s in result.stages if s.end is not None]
        last = max([result.stages[-1].start, *ends])
        end = _ts(clock) if clock is not None else last
        result.window = (result.stages[0].start, max(end, last))
    result.marks, result.unplaced = _marks(store, release, result.window)
    _history_marks(result)
    result.metrics = _metrics(store, release, result.window)
    return result


def _span(row: StageEntryRecord) -> StageSpan:
    end = _ts(row.exited_at) if row.exited_at else None
    return StageSpan(row.stage, row.weight, _ts(row.entered_at), end, row.outcome)


def _marks(
    store: Store, release: str, window: tuple[float, float] | None
) -> tuple[list[Mark], list[Mark]]:
    placed: list[Mark] = []
    unplaced: list[Mark] = []
    for entry in governance.entries(store, subject=release, limit=2000):
        action = entry.action.lower()
        if not (action.startswith("rollout") and any(word in action for word in _MARKED)):
            continue
        kind = "rollback" if "roll" in action.split(".", 1)[-1] else "pause"
        mark = Mark(_moment(entry.payload, entry.ts), _label(entry), kind)
        inside = window is not None and window[0] - 1 <= mark.at <= window[1] + 1
        (placed if inside else unplaced).append(mark)
    return placed, unplaced


def _history_marks(tl: Timeline) -> None:
    """A rollback the stage history records but no placed audit entry shows (an entry
    written before entries carried the rollout's clock): drawn at the stage's exit, with
    the audit entry's words when there is one."""
    if any(m.kind == "rollback" for m in tl.marks):
        return
    for span in tl.stages:
        if span.outcome != "rolled_back" or span.end is None:
            continue
        entry = next((m for m in tl.unplaced if m.kind == "rollback"), None)
        if entry is not None:
            tl.unplaced.remove(entry)
        label = entry.label if entry else f"rolled back from {span.stage}"
        tl.marks.append(Mark(span.end, label, "rollback"))


def _moment(payload: dict[str, object], wall: str) -> float:
    at = payload.get("at")
    if isinstance(at, str):
        try:
            return _ts(datetime.fromisoformat(at))
        except ValueError:
            pass
    return _ts(datetime.fromisoformat(wall))


def _label(entry: governance.Entry) -> str:
    """``rollout.rolled_back by clearance-watch: FIRED latency_slo_breach …`` (reasons
    as text, the one that fired first)."""
    raw = entry.payload.get("reason") or entry.payload.get("reasons") or ""
    reasons = [str(r) for r in raw] if isinstance(raw, list) else [str(raw)] if raw else []
    reasons.sort(key=lambda r: not r.startswith("FIRED"))
    text = "; ".join(reasons)
    if len(text) > 160:
        text = text[:159] + "…"
    return f"{entry.action} by {entry.actor}" + (f": {text}" if text else "")


def _metrics(
    store: Store, release: str, window: tuple[float, float] | None
) -> dict[str, dict[str, Series]]:
    with store.transaction() as tx:
        recent = tx.telemetry.recent(release, COMPARED, newest=_MAX_EVENTS)
    if not recent.ts:
        return {}
    times = np.array([_ts(moment) for moment in recent.ts])
    keep = np.ones(times.size, dtype=bool)
    if window is not None:
        keep = (times >= window[0] - 1) & (times <= window[1] + 1)
    if not keep.any():
        return {}
    arms = np.array(recent.arms)[keep]
    values_of = {name: np.array(recent.values[name], dtype=object)[keep] for name in COMPARED}
    times = times[keep]
    lo, hi = window if window is not None else (times.min(), times.max())
    edges = np.linspace(lo, max(hi, lo + 1.0) + 1e-6, _BUCKETS + 1)
    out: dict[str, dict[str, Series]] = {}
    for name in COMPARED:
        values = np.array([np.nan if v is None else v for v in values_of[name]], dtype=float)
        if np.isnan(values).all():
            continue
        out[name] = {
            arm: _series(times, values, arms == arm, edges) for arm in ("candidate", "control")
        }
    return out


def _series(times: np.ndarray, values: np.ndarray, mask: np.ndarray, edges: np.ndarray) -> Series:
    bucket = np.digitize(times, edges) - 1
    centers = [float((edges[b] + edges[b + 1]) / 2) for b in range(len(edges) - 1)]
    stats = [_stat(values[mask & (bucket == b)]) for b in range(len(edges) - 1)]
    return Series(centers, [s[0] for s in stats], [s[1] for s in stats], [s[2] for s in stats])


def _stat(pick: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% normal interval of the non-missing values (NaN when there are none)."""
    pick = pick[~np.isnan(pick)]
    if pick.size == 0:
        return (float("nan"),) * 3
    mean = float(pick.mean())
    half = 1.96 * float(pick.std(ddof=1)) / float(np.sqrt(pick.size)) if pick.size > 1 else 0.0
    return mean, mean - half, mean + half

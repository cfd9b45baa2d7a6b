"""The data behind a release's rollout timeline, read from the store.

Stages (entered, exited, traffic weight, outcome), the moments something happened to the
rollout (from the audit log: pauses, rollbacks, triggers), and candidate vs control per
compared metric in time buckets, each bucket a mean with a 95% normal interval.
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
    metrics: dict[str, dict[str, Series]] = field(default_factory=dict)

    @property
    def span(self) -> tuple[float, float]:
        times = [s.start for s in self.stages] + [m.at for m in self.marks]
        times += [t for arms in self.metrics.values() for s in arms.values() for t in s.times]
        now = datetime.now(UTC).timestamp()
        return (min(times), max([*times, now])) if times else (now - 3600, now)


def _ts(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def timeline(store: Store, release: str) -> Timeline:
    """Everything the timeline charts need for ``release`` (empty before a rollout)."""
    result = Timeline()
    with store.transaction() as tx:
        found = tx.rollouts.by_entry_time(release)
    if found is not None:
        rollout, entries = found
        result.status, result.version = rollout.status, rollout.version
        result.stages = [_span(entry) for entry in entries]
    result.marks = _marks(store, release, result.stages)
    result.metrics = _metrics(store, release)
    return result


def _span(row: StageEntryRecord) -> StageSpan:
    end = _ts(row.exited_at) if row.exited_at else None
    return StageSpan(row.stage, row.weight, _ts(row.entered_at), end, row.outcome)


def _marks(store: Store, release: str, stages: list[StageSpan]) -> list[Mark]:
    marks = []
    for entry in governance.entries(store, subject=release, limit=2000):
        action = entry.action.lower()
        if action.startswith("rollout") and any(word in action for word in _MARKED):
            kind = "rollback" if "roll" in action.split(".", 1)[-1] else "pause"
            reason = str(entry.payload.get("reason") or entry.payload.get("reasons") or "")
            label = f"{entry.action} by {entry.actor}" + (f": {reason[:80]}" if reason else "")
            marks.append(Mark(_ts(datetime.fromisoformat(entry.ts)), label, kind))
    return marks


def _metrics(store: Store, release: str) -> dict[str, dict[str, Series]]:
    with store.transaction() as tx:
        recent = tx.telemetry.recent(release, COMPARED, newest=_MAX_EVENTS)
    if not recent.ts:
        return {}
    times = np.array([_ts(moment) for moment in recent.ts])
    arms = np.array(recent.arms)
    edges = np.linspace(times.min(), times.max() + 1e-6, _BUCKETS + 1)
    out: dict[str, dict[str, Series]] = {}
    for name in COMPARED:
        values = np.array([np.nan if v is None else v for v in recent.values[name]])
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

"""Metric providers: where the monitor's per-arm aggregates come from.

A provider answers one question: for these triggers, what are each arm's sufficient
statistics (count, sum, sum of squares of the tested value, sum of the raw value) over
the telemetry of one release between two instants? :class:`StoreProvider` asks the
clearance store in one ``GROUP BY arm`` query; :class:`~clearance.rollout.PrometheusProvider`
asks a Prometheus server, so high-volume telemetry can stay where it already lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Float, Integer, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from clearance.policy import Trigger
from clearance.rollout._monitor import Snapshot
from clearance.rollout._trackers import DEFAULT_LOG_OFFSET, GEOMETRIC_OFFSET, ArmStats
from clearance.store import Store
from clearance.store import TelemetryEvent as EventRow

_BOOLEAN = {"safety_event", "escalated", "schema_ok", "hallucination_report"}


class MetricProvider(Protocol):
    """A source of per-arm aggregates for the rollout monitor."""

    def snapshot(
        self, release: str, triggers: Sequence[Trigger], since: datetime, until: datetime
    ) -> Snapshot:
        """Aggregates of ``release``'s telemetry with ``since <= ts <= until``, per
        trigger label and arm. ``triggers`` are resolved (every default filled in)."""
        ...


def is_log_scale(trigger: Trigger) -> bool:
    """Whether providers aggregate this trigger's metric on the log scale: exactly the
    ``geometric_mean`` triggers (``mean`` triggers test arithmetic means)."""
    return trigger.statistic == "geometric_mean"


def log_offset(trigger: Trigger) -> float:
    """The offset that keeps zeros finite under ``ln(x + offset)``."""
    return GEOMETRIC_OFFSET.get(trigger.metric or "", DEFAULT_LOG_OFFSET)


class StoreProvider:
    """Aggregates computed by the store's database, one query per snapshot."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def snapshot(
        self, release: str, triggers: Sequence[Trigger], since: datetime, until: datetime
    ) -> Snapshot:
        columns: list[Any] = [
            EventRow.arm,
            func.count(),
            func.count(func.distinct(EventRow.unit)),
        ]
        for trigger in triggers:
            columns.extend(_aggregates(trigger))
        query = (
            select(*columns)
            .where(EventRow.release == release, EventRow.ts >= since, EventRow.ts <= until)
            .group_by(EventRow.arm)
        )
        with self.store.session() as session:
            rows = session.execute(query).all()
        return _snapshot(rows, triggers, max(0.0, (until - since).total_seconds()))


def _aggregates(trigger: Trigger) -> list[ColumnElement[Any]]:
    raw = _numeric(trigger.metric or "")
    value = _tested(trigger, raw)
    return [func.count(value), func.sum(value), func.sum(value * value), func.sum(raw)]


def _numeric(metric: str) -> ColumnElement[Any]:
    column = getattr(EventRow, metric)
    return cast(cast(column, Integer) if metric in _BOOLEAN else column, Float)


def _tested(trigger: Trigger, raw: ColumnElement[Any]) -> ColumnElement[Any]:
    """The value the tracker tests, as SQL (see ``Tracker._transform``); NULL stays NULL."""
    higher = trigger.worse_when == "higher"
    if trigger.statistic == "share_above":
        above = raw > (trigger.threshold or 0.0)
        return case(
            (raw.is_(None), None), (above, 1.0 if higher else 0.0), else_=0.0 if higher else 1.0
        )
    if trigger.statistic in ("rate", "count"):
        positive = raw > 0
        return case(
            (raw.is_(None), None), (positive, 1.0 if higher else 0.0), else_=0.0 if higher else 1.0
        )
    if is_log_scale(trigger):
        offset = log_offset(trigger)
        clipped = case((raw < 0, 0.0), else_=raw)
        return func.ln(clipped + offset)
    return raw


def _snapshot(rows: Sequence[Any], triggers: Sequence[Trigger], duration_s: float) -> Snapshot:
    stats: dict[str, dict[str, ArmStats]] = {t.label: {} for t in triggers}
    requests: dict[str, int] = {}
    units: dict[str, int] = {}
    for row in rows:
        arm = str(row[0])
        requests[arm], units[arm] = int(row[1]), int(row[2])
        for i, trigger in enumerate(triggers):
            n, total, total_sq, raw_total = row[3 + 4 * i : 7 + 4 * i]
            stats[trigger.label][arm] = ArmStats(
                int(n or 0), float(total or 0.0), float(total_sq or 0.0), float(raw_total or 0.0)
            )
    return Snapshot(stats=stats, requests=requests, units=units, duration_s=duration_s)

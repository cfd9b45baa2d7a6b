"""Metric providers: where the monitor's per-arm aggregates come from.

A provider answers one question: for these triggers, what are each arm's sufficient
statistics (count, sum, sum of squares of the tested value, sum of the raw value) over
the telemetry of one release between two instants? :class:`StoreProvider` asks the
clearance store in one query (grouped by routing unit, then by arm, so the variance
is cluster-robust like the in-memory monitor's); :class:`~clearance.rollout.PrometheusProvider`
asks a Prometheus server, so high-volume telemetry can stay where it already lives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Float, Integer, Select, Subquery, case, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from clearance.policy import BOOLEAN_FIELDS, Trigger
from clearance.rollout._monitor import Snapshot
from clearance.rollout._trackers import DEFAULT_LOG_OFFSET, GEOMETRIC_OFFSET, ArmStats
from clearance.store import Store
from clearance.store import TelemetryEvent as EventRow

_BOOLEAN = frozenset(BOOLEAN_FIELDS)


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
        query = _per_arm(_per_unit(release, triggers, since, until), len(triggers))
        with self.store.session() as session:
            rows = session.execute(query).all()
        return _snapshot(rows, triggers, max(0.0, (until - since).total_seconds()))


def _per_unit(
    release: str, triggers: Sequence[Trigger], since: datetime, until: datetime
) -> Subquery:
    """Per arm and routing unit (an event without a unit is a unit of its own): events,
    and per trigger the count, sum and sum of squares of the tested value and the sum of
    the raw value."""
    anonymous = or_(EventRow.unit.is_(None), EventRow.unit == "")
    lone = case((anonymous, EventRow.id), else_=None)
    columns: list[Any] = [EventRow.arm.label("arm"), func.count().label("events")]
    for i, trigger in enumerate(triggers):
        raw = _numeric(trigger.metric or "")
        value = _tested(trigger, raw)
        columns += [
            func.count(value).label(f"n{i}"),
            func.coalesce(func.sum(value), 0.0).label(f"s{i}"),
            func.coalesce(func.sum(value * value), 0.0).label(f"q{i}"),
            func.coalesce(func.sum(raw), 0.0).label(f"r{i}"),
        ]
    return (
        select(*columns)
        .where(EventRow.release == release, EventRow.ts >= since, EventRow.ts <= until)
        .group_by(EventRow.arm, EventRow.unit, lone)
        .subquery()
    )


_SUMS_PER_TRIGGER = 12


def _per_arm(unit: Subquery, count: int) -> Select[Any]:
    """Per arm: requests and units, and per trigger the value sums, the sums over units
    of ``n_u²``, ``s_u²`` and ``n_u s_u`` (the cluster-robust variance), the units with a
    value, and the same sums for the field's absence (``events_u - n_u`` per unit)."""
    c = unit.c
    events = cast(c.events, Float)
    columns: list[Any] = [c.arm, func.sum(c.events), func.count()]
    for i in range(count):
        n, s = cast(c[f"n{i}"], Float), c[f"s{i}"]
        missing = events - n
        columns += [
            func.sum(n),
            func.sum(s),
            func.sum(c[f"q{i}"]),
            func.sum(c[f"r{i}"]),
            func.sum(n * n),
            func.sum(s * s),
            func.sum(n * s),
            func.count(case((n > 0, 1), else_=None)),
            func.sum(missing),
            func.sum(events * events),
            func.sum(missing * missing),
            func.sum(events * missing),
        ]
    return select(*columns).group_by(c.arm)


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
    presence: dict[str, dict[str, ArmStats]] = {t.label: {} for t in triggers}
    requests: dict[str, int] = {}
    units: dict[str, int] = {}
    for row in rows:
        arm = str(row[0])
        requests[arm], units[arm] = int(row[1] or 0), int(row[2] or 0)
        for i, trigger in enumerate(triggers):
            at = 3 + _SUMS_PER_TRIGGER * i
            n, total, squares, raw, n2, s2, ns, clusters, gone, e2, g2, eg = (
                float(x or 0.0) for x in row[at : at + _SUMS_PER_TRIGGER]
            )
            stats[trigger.label][arm] = ArmStats(
                round(n), total, squares, raw, n2, s2, ns, clusters=round(clusters)
            )
            presence[trigger.label][arm] = ArmStats(
                requests[arm], gone, gone, gone, e2, g2, eg, clusters=units[arm]
            )
    return Snapshot(
        stats=stats, presence=presence, requests=requests, units=units, duration_s=duration_s
    )

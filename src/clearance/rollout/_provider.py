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
from typing import Protocol

from clearance.policy import BOOLEAN_FIELDS, Trigger
from clearance.rollout._monitor import Snapshot
from clearance.rollout._trackers import DEFAULT_LOG_OFFSET, GEOMETRIC_OFFSET, ArmStats
from clearance.store import ArmSums, Measure, Store

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
        measures = [measure(trigger) for trigger in triggers]
        with self.store.transaction() as tx:
            rows = tx.telemetry.arm_sums(release, measures, since, until)
        return _snapshot(rows, triggers, max(0.0, (until - since).total_seconds()))


def measure(trigger: Trigger) -> Measure:
    """The value the tracker tests for ``trigger`` (see ``Tracker._transform``), as the
    store computes it per event."""
    higher = trigger.worse_when == "higher"
    metric = trigger.metric or ""
    boolean = metric in _BOOLEAN
    if trigger.statistic == "share_above":
        threshold = trigger.threshold or 0.0
        return Measure(metric, "share_above", higher, threshold=threshold, boolean=boolean)
    if trigger.statistic in ("rate", "count"):
        return Measure(metric, "positive", higher, boolean=boolean)
    if is_log_scale(trigger):
        return Measure(metric, "log", higher, offset=log_offset(trigger), boolean=boolean)
    return Measure(metric, "raw", higher, boolean=boolean)


def _snapshot(rows: Sequence[ArmSums], triggers: Sequence[Trigger], duration_s: float) -> Snapshot:
    stats: dict[str, dict[str, ArmStats]] = {t.label: {} for t in triggers}
    presence: dict[str, dict[str, ArmStats]] = {t.label: {} for t in triggers}
    requests: dict[str, int] = {}
    units: dict[str, int] = {}
    for row in rows:
        arm = row.arm
        requests[arm], units[arm] = row.requests, row.units
        for trigger, sums in zip(triggers, row.sums, strict=True):
            n, total, squares, raw, n2, s2, ns, clusters, gone, e2, g2, eg = sums
            stats[trigger.label][arm] = ArmStats(
                round(n), total, squares, raw, n2, s2, ns, clusters=round(clusters)
            )
            presence[trigger.label][arm] = ArmStats(
                requests[arm], gone, gone, gone, e2, g2, eg, clusters=units[arm]
            )
    return Snapshot(
        stats=stats, presence=presence, requests=requests, units=units, duration_s=duration_s
    )

"""Properties of telemetry validation at the one entry point (``ingest``), on SQLite and
PostgreSQL, and the monitor's defence against non-finite aggregates from a provider."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from clearance.policy import Stage, Trigger
from clearance.rollout import (
    Monitor,
    PrometheusProvider,
    Snapshot,
    StoreProvider,
    TelemetryEvent,
    ingest,
)
from clearance.rollout._ingest import TS_WINDOW
from clearance.rollout._trackers import ArmStats
from clearance.store import Store
from clearance.store._tables import TelemetryRow as EventRow
from rollout.kit import make_policy

NOW = time.time()
ON_STORE = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BAD_VALUES: list[dict[str, Any]] = [
    {"cost_usd": "inf"},
    {"cost_usd": "nan"},
    {"latency_ms": "Infinity"},
    {"cost_usd": math.inf},
    {"input_tokens": 1e308},
    {"output_tokens": 3e9},
    {"latency_ms": -1},
    {"tool_errors": -3},
    {"ts": 1e11},
    {"ts": NOW - 90 * 86_400},
    {"unit": "\x00"},
    {"release": "r" * 300},
    {"blob": "x" * 17_000},
    {"schema_ok": 2},
    {"note": "\ud83d"},
    {"arm": "both"},
]


def _count(store: Store, release: str) -> int:
    with store.session() as session:
        query = select(func.count()).select_from(EventRow).where(EventRow.release == release)
        return int(session.scalar(query) or 0)


@st.composite
def mixed_batches(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], list[int]]:
    """A batch of good events with bad ones mixed in; returns it and the bad positions."""
    release = f"r-{uuid.uuid4().hex[:8]}"
    flags = draw(st.lists(st.booleans(), min_size=1, max_size=30))
    events, bad = [], []
    for i, is_bad in enumerate(flags):
        event: dict[str, Any] = {
            "event_id": f"e{i}",
            "ts": NOW - draw(st.floats(0, 29 * 86_400)),
            "release": release,
            "arm": draw(st.sampled_from(["candidate", "control"])),
            "latency_ms": draw(st.floats(0, 60_000)),
            "cost_usd": draw(st.floats(0, 10)),
            "schema_ok": draw(st.booleans()),
        }
        if is_bad:
            event.update(draw(st.sampled_from(BAD_VALUES)))
            bad.append(i)
        events.append(event)
    return release, events, bad


@ON_STORE
@given(batch=mixed_batches())
def test_a_mixed_batch_stores_exactly_the_good_events(
    store: Store, batch: tuple[str, list[dict[str, Any]], list[int]]
) -> None:
    release, events, bad = batch
    report = ingest(store, events, batch_size=7)
    assert [r.index for r in report.rejects] == bad
    assert report.accepted == len(events) - len(bad)
    # an event made bad by a release of its own is stored under no release of the batch
    assert _count(store, release) == len(events) - len(bad)


# Anything JSON can say, in any field: nothing may fail at insert time.
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["inf", "nan", "-Infinity", "1e308", "\x00", "\ud800", "x" * 300]),
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "ts",
        "arm",
        "release",
        "unit",
        "event_id",
        "id",
        "latency_ms",
        "input_tokens",
        "gen_ai.usage.output_tokens",
        "cost_usd",
        "quality",
        "feedback",
        "safety_event",
        "schema_ok",
        "retrieval_score",
        "tool_calls",
        "user.id",
        "region",
        "a\x00",
    ]
)


@st.composite
def any_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {
        "ts": NOW - 60,
        "arm": "control",
        "release": f"any-{uuid.uuid4().hex[:8]}",
    }
    event.update(draw(st.dictionaries(KEYS | st.text(max_size=6), JSON_VALUE, max_size=6)))
    return event


def _storable(event: dict[str, Any]) -> bool | None:
    """Whether ingest must store the event (None: its ts is so near an edge of the
    window that the clock decides)."""
    try:
        model = TelemetryEvent.model_validate(event)
    except ValidationError:
        return False
    low, high = TS_WINDOW.bounds(time.time())
    if min(abs(model.ts - low), abs(model.ts - high)) < 120:
        return None
    return bool(model.release) and low <= model.ts <= high


@ON_STORE
@given(events=st.lists(any_events(), min_size=1, max_size=12))
def test_whatever_passes_validation_can_be_stored(
    store: Store, events: list[dict[str, Any]]
) -> None:
    expected = [_storable(e) for e in events]
    report = ingest(store, events)  # raises if anything failed at insert time
    assert report.accepted + report.duplicates + report.rejected == len(events)
    rejected = {r.index for r in report.rejects}
    for i, storable in enumerate(expected):
        if storable is not None:
            assert (i not in rejected) == storable, events[i]


# --- the monitor: a provider's non-finite aggregates never make it advance ---

CAPPED = Stage(stage="canary", weight=0.5, max_duration_s=60, advance_at_cap=True)
"""A stage whose cap is reached: with no firing, the monitor advances."""


def _capped(stats: dict[str, dict[str, ArmStats]], **extra: Any) -> Snapshot:
    requests = {"candidate": 1000, "control": 1000}
    return Snapshot(stats=stats, requests=requests, duration_s=120.0, **extra)


def _clean(monitor: Monitor) -> Snapshot:
    """Every trigger's field on every request, 20 of 1000 bad on both arms."""
    arm = ArmStats(1000, 20.0, 20.0, 20.0)
    return _capped({t.label: {"candidate": arm, "control": arm} for t in monitor.triggers})


def test_a_clean_capped_snapshot_advances_but_a_poisoned_one_pauses() -> None:
    monitor = Monitor(make_policy(), stage=CAPPED)
    empty = monitor.load(_capped({}))  # no candidate data: nothing was watched
    assert empty.action == "pause"
    assert any("no candidate data for" in r for r in empty.reasons)
    assert monitor.load(_clean(monitor)).action == "advance"
    cost = monitor.triggers[2].label
    for bad in (math.nan, math.inf, -math.inf, 1e308):
        poisoned = {cost: {"candidate": ArmStats(1000, bad, 1.0, 1.0), "control": ArmStats()}}
        decision = Monitor(make_policy(), stage=CAPPED).load(_capped(poisoned))
        assert decision.action == "pause", bad
        assert "non-finite aggregates" in decision.reasons[0]
    for duration in (math.inf, math.nan, -1.0):
        snap = _clean(monitor).model_copy(update={"duration_s": duration})
        assert Monitor(make_policy(), stage=CAPPED).load(snap).action == "pause", duration
    flagged = _clean(monitor).model_copy(update={"invalid": ["clearance_requests_total"]})
    assert Monitor(make_policy(), stage=CAPPED).load(flagged).action == "pause"
    assert monitor.load(_clean(monitor)).action == "advance"  # a clean look again


STAT = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-1e6, 1e6), st.just(0.0))


TRIGGERS = [
    Trigger(kind="cost_spike"),  # a mean on the log scale
    Trigger(kind="retrieval_quality_drop"),  # a mean
    Trigger(kind="schema_failure_rate"),  # a rate
    Trigger(kind="safety_incident"),  # a count
]


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.tuples(st.integers(-5, 10**6), STAT, STAT, STAT), min_size=8, max_size=8))
def test_no_provider_aggregate_makes_the_monitor_advance_on_bad_data(
    data: list[tuple[int, float, float, float]],
) -> None:
    monitor = Monitor(TRIGGERS, 0.05, stage=CAPPED)
    arms = [ArmStats(*values) for values in data]
    stats = {
        t.label: {"candidate": arms[2 * i], "control": arms[2 * i + 1]}
        for i, t in enumerate(monitor.triggers)
    }
    decision = monitor.load(_capped(stats))
    if not all(a.usable for a in arms):
        assert decision.action in ("pause", "rollback")
    for report in decision.metrics:
        for number in (report.candidate, report.control, report.effect):
            assert number is None or math.isfinite(number), report


def test_a_legacy_infinite_row_in_the_store_pauses_the_monitor(store: Store) -> None:
    """Rows stored before validation existed may hold Infinity: the aggregate is then
    infinite, and the monitor treats it as invalid data."""
    start = datetime.fromtimestamp(NOW - 600, UTC)
    with store.session() as session:
        for i in range(40):
            arm = "candidate" if i % 2 else "control"
            cost = math.inf if i == 1 else 0.002
            ts = datetime.fromtimestamp(NOW - 300 + i, UTC)
            session.add(EventRow(event_id=f"l{i}", release="old", arm=arm, ts=ts, cost_usd=cost))
    monitor = Monitor(make_policy(), stage=CAPPED)
    snap = StoreProvider(store).snapshot(
        "old", monitor.triggers, start, datetime.fromtimestamp(NOW, UTC)
    )
    decision = monitor.load(snap.model_copy(update={"duration_s": 120.0}))
    assert decision.action == "pause"
    assert "cost_spike (candidate)" in decision.reasons[0]


def test_prometheus_nan_and_inf_samples_are_invalid_not_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A series that reads NaN or +Inf (a broken exporter) is dropped and named."""

    async def query(self: Any, session: Any, promql: str, at: datetime) -> list[dict[str, Any]]:
        later = at.timestamp() > NOW - 10
        if "cost_usd_sum" in promql:
            sample = "NaN" if later else "0"
        elif "requests_total" in promql:
            sample = "+Inf" if later else "0"
        else:
            sample = "100" if later else "0"
        labels = [{"le": "2000.0"}, {"le": "+Inf"}] if "bucket" in promql else [{}]
        return [
            {"metric": {"arm": arm, **extra}, "value": [0, sample]}
            for arm in ("candidate", "control")
            for extra in labels
        ]

    monkeypatch.setattr(PrometheusProvider, "query", query)
    monitor = Monitor(make_policy(), stage=CAPPED)
    provider = PrometheusProvider("http://127.0.0.1:9")
    since, until = datetime.fromtimestamp(NOW - 120, UTC), datetime.fromtimestamp(NOW, UTC)
    snap = asyncio.run(provider.snapshot_async("bot@v2", monitor.triggers, since, until))
    # cost_spike tests arithmetic means: its sum and sum of squares both read NaN here
    assert snap.invalid == [
        "clearance_cost_usd_sum",
        "clearance_cost_usd_sum_squares",
        "clearance_requests_total",
    ]
    assert snap.requests == {"candidate": 0, "control": 0}
    assert monitor.load(snap).action == "pause"

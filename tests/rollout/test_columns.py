"""The monitor's columnar path: the same answer as the schema, event by event."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.errors import DataError
from clearance.policy import Trigger
from clearance.rollout import EventColumns, Monitor, parse_events, to_columns
from clearance.rollout._columns import from_events

FIELDS = ["cost_usd", "latency_ms", "safety_event", "schema_ok", "tool_errors"]

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 1.0, 0.5, 999.0, 1001.0, 86_400_001.0, "1.5", "inf", "nan", "x"]),
)
event = st.fixed_dictionaries(
    {
        "ts": st.one_of(
            st.floats(0, 4e9), st.sampled_from([-1.0, math.inf, "2026-12-01T00:00:00Z"])
        ),
        "arm": st.sampled_from(["candidate", "control", "control", "treatment"]),
    },
    optional={
        "unit": st.one_of(st.sampled_from(["u1", "u2", "", "u\x00", "ü"]), st.integers(0, 3)),
        "user.id": st.sampled_from(["a", "b"]),
        "gen_ai.tool.errors": st.integers(0, 2),
        **dict.fromkeys(FIELDS, values),
    },
)


def _same(a: EventColumns, b: EventColumns) -> None:
    assert a.candidate.tolist() == b.candidate.tolist()
    assert list(a.unit) == list(b.unit)
    assert np.array_equal(a.ts, b.ts)
    for name in FIELDS:
        assert np.array_equal(a.fields[name], b.fields[name], equal_nan=True), name


@settings(max_examples=300, deadline=None)
@given(st.lists(event, min_size=1, max_size=8))
def test_the_fast_path_accepts_and_refuses_exactly_what_the_schema_does(
    batch: list[dict[str, Any]],
) -> None:
    try:
        expected = from_events(list(parse_events(batch)), FIELDS)
    except DataError:
        with pytest.raises(DataError):
            to_columns(batch, FIELDS)
        return
    _same(to_columns(batch, FIELDS), expected)


def test_an_infinite_or_out_of_range_value_is_refused_in_a_large_batch() -> None:
    batch = [{"ts": 1.0 + i, "arm": "control", "latency_ms": 10.0} for i in range(5_000)]
    for bad in ("inf", math.inf, math.nan, -1.0, 1e12):
        poisoned = [*batch[:-1], {**batch[-1], "latency_ms": bad}]
        with pytest.raises(DataError, match="event 4999"):
            to_columns(poisoned, ["latency_ms"])


def test_columns_given_directly_are_checked_like_events() -> None:
    monitor = Monitor([Trigger(kind="latency_slo_breach", threshold=100)])
    n = 50
    good = EventColumns(
        candidate=np.arange(n) % 2 == 0,
        unit=[f"u{i}" for i in range(n)],
        ts=np.arange(n, dtype=float),
        fields={"latency_ms": np.full(n, 50.0)},
    )
    assert monitor.update(good).n_candidate == 25
    for bad in (np.inf, -5.0):
        column = np.full(n, 50.0)
        column[3] = bad
        poisoned = EventColumns(good.candidate, good.unit, good.ts, {"latency_ms": column})
        with pytest.raises(DataError, match="latency_ms"):
            monitor.update(poisoned)


def _sums(pairs: list[tuple[str, float]]) -> tuple[int, int, float, float, float]:
    """Clusters with a unit, lone values, and the sums over clusters of n², s², n·s."""
    per_unit: dict[str, list[float]] = {}
    lone: list[float] = []
    for unit, x in pairs:
        if unit:
            per_unit.setdefault(unit, []).append(x)
        else:
            lone.append(x)
    n_u = [len(v) for v in per_unit.values()] + [1] * len(lone)
    s_u = [sum(v) for v in per_unit.values()] + lone
    return (
        len(per_unit),
        len(lone),
        sum(n * n for n in n_u),
        sum(s * s for s in s_u),
        sum(n * s for n, s in zip(n_u, s_u, strict=True)),
    )


@pytest.mark.parametrize("pattern", ["mixed", "present_then_missing", "absent_then_present"])
def test_per_unit_sums_hold_when_a_field_starts_or_stops_arriving(pattern: str) -> None:
    rng = np.random.default_rng(6)
    monitor = Monitor([Trigger(kind="cost_spike", statistic="mean")])
    everything: list[dict[str, Any]] = []
    for look in range(6):
        batch = []
        for i in range(int(rng.integers(50, 300))):
            unit = "" if rng.random() < 0.2 else f"u{rng.integers(0, 40)}"
            e: dict[str, Any] = {"ts": float(look * 1000 + i), "unit": unit}
            e["arm"] = "candidate" if rng.random() < 0.5 else "control"
            carries = {
                "mixed": rng.random() < 0.7,
                "present_then_missing": look < 3 or rng.random() < 0.5,
                "absent_then_present": look >= 3 and rng.random() < 0.8,
            }[pattern]
            if carries:
                e["cost_usd"] = float(rng.exponential(0.01))
            batch.append(e)
        monitor.update(batch)
        everything += batch
    tracker = monitor._trackers[0]
    for arm in ("candidate", "control"):
        events = [e for e in everything if e["arm"] == arm]
        values = [(e["unit"], e["cost_usd"]) for e in events if "cost_usd" in e]
        flags = [(e["unit"], float("cost_usd" not in e)) for e in events]
        for stats, pairs in ((tracker.arms[arm], values), (tracker.presence[arm], flags)):
            clusters, lone, n2, s2, ns = _sums(pairs)
            assert (stats.n, stats.clusters, stats.anonymous) == (len(pairs), clusters, lone)
            assert stats.sum_n2 == pytest.approx(n2)
            assert stats.sum_s2 == pytest.approx(s2)
            assert stats.sum_ns == pytest.approx(ns)


def test_batched_cluster_sums_equal_the_sums_over_units() -> None:
    rng = np.random.default_rng(5)
    trigger = Trigger(kind="cost_spike", statistic="mean")
    monitor = Monitor([trigger])
    everything: list[dict[str, Any]] = []
    for look in range(6):
        size = int(rng.integers(1, 400))
        batch = []
        for i in range(size):
            unit = "" if rng.random() < 0.2 else f"u{rng.integers(0, 60)}"
            e: dict[str, Any] = {"ts": float(look * 1000 + i), "unit": unit}
            e["arm"] = "candidate" if rng.random() < 0.4 else "control"
            if rng.random() < 0.9:
                e["cost_usd"] = float(rng.exponential(0.01))
            batch.append(e)
        monitor.update(batch)
        everything += batch
    tracker = monitor._trackers[0]
    for arm in ("candidate", "control"):
        stats = tracker.arms[arm]
        rows = [e for e in everything if e["arm"] == arm and "cost_usd" in e]
        per_unit: dict[str, list[float]] = {}
        lone = []
        for e in rows:
            if e["unit"]:
                per_unit.setdefault(e["unit"], []).append(e["cost_usd"])
            else:
                lone.append(e["cost_usd"])
        n_u = [len(v) for v in per_unit.values()] + [1] * len(lone)
        s_u = [sum(v) for v in per_unit.values()] + lone
        assert stats.n == len(rows)
        assert stats.clusters == len(per_unit) and stats.anonymous == len(lone)
        assert stats.sum_n2 == pytest.approx(sum(n * n for n in n_u))
        assert stats.sum_s2 == pytest.approx(sum(s * s for s in s_u))
        assert stats.sum_ns == pytest.approx(sum(n * s for n, s in zip(n_u, s_u, strict=True)))
        presence = tracker.presence[arm]
        events = [e for e in everything if e["arm"] == arm]
        assert presence.n == len(events)
        assert presence.total == sum("cost_usd" not in e for e in events)


def test_units_counted_for_the_sample_ratio_check_are_distinct_per_arm() -> None:
    monitor = Monitor([Trigger(kind="schema_failure_rate")], candidate_weight=0.5)
    batch = [
        {"ts": float(i), "arm": "candidate" if i % 2 else "control", "unit": f"u{i % 10}"}
        for i in range(100)
    ] + [{"ts": 200.0, "arm": "control"}, {"ts": 201.0, "arm": "control", "unit": ""}]
    srm = monitor.update(batch).srm
    assert srm is not None
    assert (srm.units_candidate, srm.units_control) == (5, 7)


def test_integer_unit_ids_count_like_their_string_names() -> None:
    rng = np.random.default_rng(2)
    n = 3_000
    ids = rng.integers(-1, 400, n)  # -1: no unit
    cand = rng.random(n) < 0.3
    cost = rng.exponential(0.01, n)
    cost[rng.random(n) < 0.1] = np.nan
    ts = np.arange(n, dtype=float)
    names = ["" if i < 0 else f"user-{i}" for i in ids.tolist()]
    trigger = Trigger(kind="cost_spike", statistic="mean")
    by_name = Monitor([trigger], candidate_weight=0.3)
    by_id = Monitor([trigger], candidate_weight=0.3)
    for part in np.array_split(np.arange(n), 7):
        fields = {"cost_usd": cost[part]}
        by_name.update(EventColumns(cand[part], [names[i] for i in part], ts[part], fields))
        last = by_id.update(EventColumns(cand[part], ids[part], ts[part], fields))
    first = by_name.decision()
    assert last.metrics[0].design_effect == pytest.approx(first.metrics[0].design_effect)
    assert last.metrics[0].interval == pytest.approx(first.metrics[0].interval)
    assert last.srm is not None and first.srm is not None
    assert (last.srm.units_candidate, last.srm.units_control) == (
        first.srm.units_candidate,
        first.srm.units_control,
    )

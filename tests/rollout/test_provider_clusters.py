"""The store's aggregates are the in-memory monitor's, routing units included: the
controller (which reads the store) analyses users, not requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from clearance.policy import Policy, Stage
from clearance.rollout import Monitor, StoreProvider, ingest
from clearance.store import Store
from rollout.kit import T0


def _clustered_events(seed: int) -> list[dict[str, Any]]:
    """Users with 20 requests each whose failure rates differ (strong clustering), some
    events without a unit, some without schema_ok or latency."""
    rng = np.random.default_rng(seed)
    events: list[dict[str, Any]] = []
    for user in range(120):
        arm = "candidate" if user % 3 == 0 else "control"
        p_fail = float(rng.beta(0.2, 4.0))
        for k in range(20):
            e: dict[str, Any] = {"ts": T0 + user * 20 + k, "arm": arm, "release": "r"}
            if user % 10:
                e["unit"] = f"user-{user}"
            if rng.random() < 0.9:
                e["schema_ok"] = bool(rng.random() >= p_fail)
            if rng.random() < 0.8:
                e["latency_ms"] = float(rng.lognormal(6.5, 0.5 + p_fail))
            e["cost_usd"] = float(rng.exponential(0.002))
            events.append(e)
    return events


def test_store_aggregates_carry_the_clustering_of_routing_units(
    store: Store, policy: Policy
) -> None:
    events = _clustered_events(3)
    ingest(store, events, ts_window=None)
    stage = Stage(stage="canary", weight=1 / 3)
    direct = Monitor(policy, stage=stage).update(events)
    loaded = Monitor(policy, stage=stage)
    since, until = datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 1e7, UTC)
    via_store = loaded.load(StoreProvider(store).snapshot("r", loaded.triggers, since, until))
    clustered = [m for m in direct.metrics if m.design_effect > 1.5]
    assert clustered, "the fixture must cluster strongly"
    for a, b in zip(direct.metrics, via_store.metrics, strict=True):
        assert a.trigger == b.trigger
        assert (a.status, a.n_candidate, a.n_control) == (b.status, b.n_candidate, b.n_control)
        assert b.design_effect == pytest.approx(a.design_effect, rel=1e-6)
        assert (b.e_value or 0) == pytest.approx(a.e_value or 0, rel=1e-6, abs=1e-12)
        assert (b.missing_e_value or 0) == pytest.approx(a.missing_e_value or 0, rel=1e-6)
        if a.interval is not None:
            assert b.interval == pytest.approx(a.interval, rel=1e-6, abs=1e-9)
    assert via_store.srm is not None and direct.srm is not None
    assert (via_store.srm.units_candidate, via_store.srm.units_control) == (
        direct.srm.units_candidate,
        direct.srm.units_control,
    )

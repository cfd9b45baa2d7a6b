"""track(), the store provider against the event-fed monitor, and webhook retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from clearance.policy import Policy, Stage
from clearance.release import GovernanceGuards
from clearance.rollout import (
    Change,
    JsonlSink,
    Monitor,
    Profile,
    Router,
    StoreProvider,
    Webhook,
    advance,
    ingest,
    simulate,
    start,
    track,
)
from clearance.rollout._notify import post_json
from clearance.store import Store
from rollout.kit import T0


def test_track_routes_times_and_records(
    store: Store,
    policy: Policy,
    guards: GovernanceGuards,
    release: Callable[..., str],
    tmp_path: Path,
) -> None:
    name = release()
    start(store, policy, name, guards, Change("a", now=T0))
    advance(store, policy, name, guards, Change("a", now=T0))  # internal_dogfood: 100% internal
    router, sink = Router(store, name), JsonlSink(tmp_path / "t.jsonl")
    with track(router, sink, unit="internal:al") as req:
        req.record(quality=0.9)
    with pytest.raises(ValueError, match="boom"), track(router, sink, unit="u1"):
        raise ValueError("boom")
    sink.close()
    first, second = [json.loads(x) for x in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert (first["arm"], first["quality"], first["release"]) == ("candidate", 0.9, name)
    assert first["latency_ms"] >= 0 and first["event_id"] != second["event_id"]
    assert (second["arm"], second["error"]) == ("control", "ValueError")
    report = ingest(store, (tmp_path / "t.jsonl").read_text().splitlines())
    assert report.accepted == 2


def test_store_provider_matches_the_event_fed_monitor(store: Store, policy: Policy) -> None:
    events = simulate(
        4_000,
        candidate=Profile().regressed(latency=0.3, rate=2.0),
        weights=[0.3],
        seed=9,
        start=T0,
        release=("r", "r"),
    )
    ingest(store, events, ts_window=None)  # simulated clock (T0), not the present
    stage = Stage(stage="canary", weight=0.3)
    direct = Monitor(policy, stage=stage).update(events)
    loaded = Monitor(policy, stage=stage)
    snap = StoreProvider(store).snapshot(
        "r", loaded.triggers, datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 1e7, UTC)
    )
    via_store = loaded.load(snap)
    assert via_store.action == direct.action
    for a, b in zip(direct.metrics, via_store.metrics, strict=True):
        assert (a.trigger, a.status, a.n_candidate, a.n_control) == (
            b.trigger,
            b.status,
            b.n_candidate,
            b.n_control,
        )
        assert a.effect == pytest.approx(b.effect, rel=1e-6, abs=1e-9)
    assert via_store.srm is not None and direct.srm is not None
    assert via_store.srm.units_candidate == direct.srm.units_candidate


def test_webhook_is_retried_until_delivered() -> None:
    asyncio.run(_webhook_retries())


async def _webhook_retries() -> None:
    seen: list[dict[str, object]] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append(await request.json())
        return web.Response(status=503 if len(seen) < 3 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        ok, detail = await post_json(
            Webhook(f"http://127.0.0.1:{port}/hook", backoff_s=0.01), {"event": "rolled_back"}
        )
        assert ok and "3 attempt" in detail and len(seen) == 3
        bad = await post_json(Webhook(f"http://127.0.0.1:{port}/missing", backoff_s=0.01), {})
        assert bad[0] is False and "404" in bad[1]
    finally:
        await runner.cleanup()


def test_store_provider_aggregates_a_geometric_mean_trigger_on_the_log_scale(
    store: Store,
) -> None:
    from clearance.policy import Trigger

    events = simulate(
        3_000,
        candidate=Profile().regressed(latency=0.3),
        weights=[0.5],
        seed=4,
        start=T0,
        release=("g", "g"),
    )
    ingest(store, events, ts_window=None)
    triggers = [Trigger(kind="latency_slo_breach", statistic="geometric_mean", margin=0.1)]
    direct = Monitor(triggers).update(events)
    loaded = Monitor(triggers)
    snap = StoreProvider(store).snapshot(
        "g", loaded.triggers, datetime.fromtimestamp(T0, UTC), datetime.fromtimestamp(T0 + 1e7, UTC)
    )
    via_store = loaded.load(snap)
    a, b = direct.metrics[0], via_store.metrics[0]
    assert a.statistic == b.statistic == "geometric_mean"  # no raw-scale override
    assert a.effect == pytest.approx(b.effect, rel=1e-6, abs=1e-9)

"""Measurements of the environment that back the monitoring, rollback and documentation
areas: a telemetry round trip, the baseline's health, a timed rollback drill, the card."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from sqlalchemy import delete, func, select

from clearance import governance
from clearance.cards import check_card, load_card
from clearance.errors import ClearanceError
from clearance.policy import Policy
from clearance.store import Release, RolloutRow, Store, TelemetryEvent
from clearance.targets import TargetOptions, build_target


@dataclass
class Probes:
    """Probe values by metric name, and a note for each that could not be measured."""

    values: dict[str, float | None] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def set(self, metric: str, value: float | None, note: str = "") -> None:
        self.values[metric] = value
        if note:
            self.notes[metric] = note


def measure(policy: Policy, store: Store, evidence_hash: str) -> Probes:
    """Take every probe the policy's gates need (all of them: they are cheap)."""
    probes = Probes()
    _sink_round_trip(policy, store, probes)
    _incident_owners(policy, probes)
    _triggers_emitted(policy, store, probes)
    _baseline_health(policy, probes)
    _rollback_drill(policy, store, probes)
    _card(policy, evidence_hash, probes)
    _registers(store, probes)
    return probes


def _registers(store: Store, probes: Probes) -> None:
    keys = governance.overdue_key_rotations(store)
    requests = governance.overdue_data_requests(store)
    probes.set(
        "security.overdue_key_rotations",
        float(keys),
        f"{keys} provider key(s) past their maximum age: rotate them" if keys else "",
    )
    probes.set(
        "privacy.overdue_data_requests",
        float(requests),
        f"{requests} user data request(s) past due" if requests else "",
    )


def _sink_round_trip(policy: Policy, store: Store, probes: Probes) -> None:
    sink = policy.rollout.telemetry_sink
    metric = "monitoring.sink_round_trip"
    if sink == "store":
        ok = _store_round_trip(store)
        probes.set(metric, 1.0 if ok else 0.0, "" if ok else "event did not read back")
        return
    try:
        ok = asyncio.run(_prometheus_up(sink))
        probes.set(metric, 1.0 if ok else 0.0, "" if ok else f"{sink} did not answer a query")
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        probes.set(metric, 0.0, f"{sink} unreachable: {type(exc).__name__}")


def _store_round_trip(store: Store) -> bool:
    event_id = f"clearance-probe-{uuid.uuid4()}"
    with store.session() as session:
        session.add(
            TelemetryEvent(
                event_id=event_id,
                release="__probe__",
                arm="control",
                ts=datetime.now(UTC),
                attributes={"probe": True},
            )
        )
    with store.session() as session:
        found = session.scalar(select(func.count()).where(TelemetryEvent.event_id == event_id))
        session.execute(delete(TelemetryEvent).where(TelemetryEvent.event_id == event_id))
    return found == 1


async def _prometheus_up(base: str) -> bool:
    url = f"{base.rstrip('/')}/api/v1/query?{urlencode({'query': 'vector(1)'})}"
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as resp:
        body = await resp.json(content_type=None)
    return bool(resp.status == 200 and body.get("status") == "success")


def _incident_owners(policy: Policy, probes: Probes) -> None:
    people = set(policy.owners.review_incidents.people)
    probes.set(
        "monitoring.incident_owners",
        float(len(people)),
        "" if people else "name people under owners.review_incidents",
    )


def _triggers_emitted(policy: Policy, store: Store, probes: Probes) -> None:
    metrics: list[str] = sorted({m for t in policy.triggers if (m := t.resolved().metric)})
    metric = "monitoring.triggers_emitted"
    if not metrics:
        probes.set(metric, None, "no triggers declared")
        return
    with store.session() as session:
        rows = session.scalars(
            select(TelemetryEvent)
            .where(TelemetryEvent.release != "__probe__")
            .order_by(TelemetryEvent.id.desc())
            .limit(1000)
        ).all()
        present = [m for m in metrics if any(getattr(r, m) is not None for r in rows)]
    if not rows:
        probes.set(metric, None, "no telemetry yet: ingest production events to verify")
        return
    missing = sorted(set(metrics) - set(present))
    probes.set(
        metric, len(present) / len(metrics), f"not emitted: {', '.join(missing)}" if missing else ""
    )


def _baseline_health(policy: Policy, probes: Probes) -> None:
    spec = policy.targets.baseline
    metric = "rollback.baseline_healthy"
    if spec is None:
        probes.set(metric, None, "no baseline target declared")
        return
    folder = policy.source.folder if policy.source is not None else None
    try:
        asyncio.run(_preflight(spec, folder))
    except ClearanceError as exc:
        probes.set(metric, 0.0, f"baseline failed its preflight: {exc.message}")
        return
    probes.set(metric, 1.0)


async def _preflight(spec: object, folder: Path | None) -> None:
    target = build_target(spec, TargetOptions(folder=folder, role="baseline"))  # type: ignore[arg-type]
    try:
        await target.preflight()
    finally:
        await target.aclose()


def _rollback_drill(policy: Policy, store: Store, probes: Probes) -> None:
    """Route a drill release fully to the candidate, then back, and time how long until a
    fresh reader sees the control again (what every router process must see)."""
    started = time.perf_counter()
    _set_drill_weight(store, 1.0)
    switched = time.perf_counter()
    _set_drill_weight(store, 0.0)
    while _read_drill_weight(store) != 0.0:
        if time.perf_counter() - switched > policy.rollout.rollback_limit_s * 2:
            probes.set("rollback.drill_seconds", None, "the route never switched back")
            return
    elapsed = time.perf_counter() - switched
    probes.set(
        "rollback.drill_seconds",
        elapsed,
        f"route switch written and read back by a new connection "
        f"(setup {switched - started:.3f} s)",
    )


_DRILL = "__rollback_drill__"


def _drill_release(store: Store) -> int:
    with store.session(exclusive=True) as session:
        now = datetime.now(UTC)
        release_id = session.scalar(select(Release.id).where(Release.name == _DRILL))
        if release_id is None:
            release = Release(
                name=_DRILL,
                system=_DRILL,
                candidate_fingerprint="-",
                policy_hash="-",
                created_by="clearance",
                created_at=now,
            )
            session.add(release)
            session.flush()
            release_id = release.id
        if session.scalar(select(RolloutRow.id).where(RolloutRow.release_id == release_id)) is None:
            session.add(
                RolloutRow(
                    release_id=release_id,
                    status="drill",
                    salt="drill",
                    started_at=now,
                    updated_at=now,
                )
            )
        return int(release_id)


def _set_drill_weight(store: Store, weight: float) -> None:
    release_id = _drill_release(store)
    with store.session() as session:
        row = session.scalars(select(RolloutRow).where(RolloutRow.release_id == release_id)).one()
        row.weight = weight
        row.version += 1
        row.updated_at = datetime.now(UTC)


def _read_drill_weight(store: Store) -> float:
    with store.engine.connect() as conn:
        query = (
            select(RolloutRow.weight)
            .join(Release, Release.id == RolloutRow.release_id)
            .where(Release.name == _DRILL)
        )
        return float(conn.execute(query).scalar_one())


def _card(policy: Policy, evidence_hash: str, probes: Probes) -> None:
    folder = policy.source.folder if policy.source is not None else Path.cwd()
    card_probe(folder / policy.card.path, evidence_hash, policy.system.kind, probes)


def card_probe(path: Path, evidence_hash: str, kind: str, probes: Probes) -> None:
    """``documentation.card_complete``: 1 when the card at ``path`` passes its check."""
    metric = "documentation.card_complete"
    if not path.is_file():
        probes.set(metric, 0.0, f"no card at {path}: write it with 'clearance card'")
        return
    try:
        problems = check_card(load_card(path), evidence_hash=evidence_hash, kind=kind)
    except ClearanceError as exc:
        probes.set(metric, 0.0, exc.message)
        return
    probes.set(metric, 0.0 if problems else 1.0, "; ".join(str(p) for p in problems[:3]))

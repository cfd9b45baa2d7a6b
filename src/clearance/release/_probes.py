"""Measurements of the environment that back the monitoring, rollback and documentation
areas: a telemetry round trip, the baseline's health (one real chat completion), a timed
rollback drill (a real route switch seen by a router in another process), the card."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from clearance import governance
from clearance.cards import check_card, load_card
from clearance.errors import ClearanceError
from clearance.policy import (
    ImportedTarget,
    OpenAITarget,
    Policy,
    PythonTarget,
    RecordedTarget,
    probe_metric,
)
from clearance.release._drill import Drill
from clearance.store import Store
from clearance.targets import CallError, CallKey, Completion, Message, TargetOptions, build_target


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
    """Take every probe the policy's gates need (all of them). The rollback drill's router
    process is started first and the drill run last, so its start-up overlaps the rest."""
    probes = Probes()
    drill = Drill.begin(store)
    try:
        _sink_round_trip(policy, store, probes)
        _incident_owners(policy, probes)
        _triggers_emitted(policy, store, probes)
        baseline_health(policy, probes)
        _card(policy, evidence_hash, probes)
        _registers(store, probes)
        rollback_drill(policy, drill, probes)
    finally:
        drill.close()
    return probes


def _registers(store: Store, probes: Probes) -> None:
    keys = governance.overdue_key_rotations(store)
    requests = governance.overdue_data_requests(store)
    probes.set(
        probe_metric("security.overdue_key_rotations"),
        float(keys),
        f"{keys} provider key(s) past their maximum age: rotate them" if keys else "",
    )
    probes.set(
        probe_metric("privacy.overdue_data_requests"),
        float(requests),
        f"{requests} user data request(s) past due" if requests else "",
    )


def _sink_round_trip(policy: Policy, store: Store, probes: Probes) -> None:
    sink = policy.rollout.telemetry_sink
    metric = probe_metric("monitoring.sink_round_trip")
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
    """An event written to the store reads back (in a savepoint rolled back at once, so
    no probe event is ever part of the data)."""
    with store.transaction() as tx:
        return tx.telemetry.round_trip()


async def _prometheus_up(base: str) -> bool:
    url = f"{base.rstrip('/')}/api/v1/query?{urlencode({'query': 'vector(1)'})}"
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as resp:
        body = await resp.json(content_type=None)
    return bool(resp.status == 200 and body.get("status") == "success")


def _incident_owners(policy: Policy, probes: Probes) -> None:
    people = set(policy.owners.review_incidents.people)
    probes.set(
        probe_metric("monitoring.incident_owners"),
        float(len(people)),
        "" if people else "name people under owners.review_incidents",
    )


def _triggers_emitted(policy: Policy, store: Store, probes: Probes) -> None:
    metrics: list[str] = sorted({m for t in policy.triggers if (m := t.resolved().metric)})
    metric = probe_metric("monitoring.triggers_emitted")
    if not metrics:
        probes.set(metric, None, "no triggers declared")
        return
    with store.transaction() as tx:
        events, present = tx.telemetry.present(metrics, newest=1000)
    if not events:
        probes.set(metric, None, "no telemetry yet: ingest production events to verify")
        return
    missing = sorted(set(metrics) - set(present))
    probes.set(
        metric, len(present) / len(metrics), f"not emitted: {', '.join(missing)}" if missing else ""
    )


HEALTH_MESSAGES: list[Message] = [
    {"role": "user", "content": "Are you available? Answer in one short sentence."}
]
"""The one request of the baseline's health probe (with the target's own model, system
prompt and params, as every eval request)."""
HEALTH_TIMEOUT_S = 120.0
"""Bound on the health request of targets without their own timeout (Python callables)."""


def baseline_health(policy: Policy, probes: Probes) -> None:
    """``rollback.baseline_healthy``: 1 when the baseline, built as the evals build it,
    answers one chat completion with a non-empty message; 0 with the reason otherwise.

    The baseline is what a rollback sends traffic back to, so it must serve a real request
    now, not merely list its models."""
    spec = policy.targets.baseline
    metric = probe_metric("rollback.baseline_healthy")
    if spec is None:
        probes.set(metric, None, "no baseline target declared")
        return
    if isinstance(spec, RecordedTarget | ImportedTarget):
        probes.set(
            metric,
            None,
            f"the baseline is not live (adapter: {spec.adapter}), so it cannot serve a "
            "rollback: declare the live baseline (openai or python) to measure its health",
        )
        return
    folder = policy.source.folder if policy.source is not None else None
    try:
        completion = asyncio.run(_health_call(spec, folder))
    except ClearanceError as exc:
        probes.set(metric, 0.0, f"baseline failed its preflight: {exc.message}")
        return
    except CallError as exc:
        probes.set(metric, 0.0, f"baseline chat completion failed: {_describe(exc, spec)}")
        return
    except TimeoutError:
        probes.set(metric, 0.0, f"baseline did not answer within {_health_timeout(spec):g} s")
        return
    if not completion.text.strip() and not completion.tool_calls:
        probes.set(metric, 0.0, "baseline answered the health request with an empty message")
        return
    took = f"{completion.latency_ms:.0f} ms"
    probes.set(metric, 1.0, f"baseline answered a chat completion in {took}")


async def _health_call(spec: OpenAITarget | PythonTarget, folder: Path | None) -> Completion:
    options = TargetOptions(folder=folder, role="baseline", connections=1, threads=1)
    target = build_target(spec, options)
    try:
        await target.preflight()
        call = target.complete(list(HEALTH_MESSAGES), key=CallKey("clearance-health-probe"))
        return await asyncio.wait_for(call, _health_timeout(spec))
    finally:
        await target.aclose()


def _health_timeout(spec: OpenAITarget | PythonTarget) -> float:
    """The target's own request timeout (with a margin), else ``HEALTH_TIMEOUT_S``."""
    return spec.timeout_s + 5.0 if isinstance(spec, OpenAITarget) else HEALTH_TIMEOUT_S


def _describe(exc: CallError, spec: OpenAITarget | PythonTarget) -> str:
    where = f" from POST {spec.base_url}/chat/completions" if isinstance(spec, OpenAITarget) else ""
    if exc.status is not None:
        detail = str(exc).removeprefix(f"HTTP {exc.status}").lstrip(": ")
        return f"HTTP {exc.status}{where}" + (f" ({detail[:200]})" if detail else "")
    return f"{exc.kind}{where}: {str(exc)[:200]}"


def rollback_drill(policy: Policy, drill: Drill, probes: Probes) -> None:
    """``rollback.drill_seconds``: how long a router in another process takes to serve the
    control after a rollback is written (see :mod:`clearance.release._drill`)."""
    result = drill.finish(policy.rollout.rollback_limit_s)
    probes.set(probe_metric("rollback.drill_seconds"), result.seconds, result.note)


def _card(policy: Policy, evidence_hash: str, probes: Probes) -> None:
    folder = policy.source.folder if policy.source is not None else Path.cwd()
    card_probe(folder / policy.card.path, evidence_hash, policy.system.kind, probes)


def card_probe(path: Path, evidence_hash: str, kind: str, probes: Probes) -> None:
    """``documentation.card_complete``: 1 when the card at ``path`` passes its check."""
    metric = probe_metric("documentation.card_complete")
    if not path.is_file():
        probes.set(metric, 0.0, f"no card at {path}: write it with 'clearance card'")
        return
    try:
        problems = check_card(load_card(path), evidence_hash=evidence_hash, kind=kind)
    except ClearanceError as exc:
        probes.set(metric, 0.0, exc.message)
        return
    probes.set(metric, 0.0 if problems else 1.0, "; ".join(str(p) for p in problems[:3]))

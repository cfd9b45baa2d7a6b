"""``evaluate``: the one call behind ``clearance eval``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Literal

from clearance.errors import UsageError
from clearance.evals._config import EvalConfig
from clearance.evals._cost import TargetSpec, prices_for
from clearance.evals._events import ProgressCallback
from clearance.evals._plan import SuitePlan, live_suites, plan_suites
from clearance.evals._preflight import call_once
from clearance.evals._runner import RoleTarget, RunRef, run_suite, slots_for
from clearance.evals._summary import RunSummary, percentiles, summarize
from clearance.policy import Policy
from clearance.store import Store
from clearance.targets import Recorder, Target, TargetOptions, build_target

Role = Literal["candidate", "baseline"]


async def aevaluate(
    policy: Policy,
    store: Store,
    config: EvalConfig | None = None,
    *,
    suites: Sequence[str] | None = None,
    roles: Sequence[Role] = ("candidate",),
    on_progress: ProgressCallback | None = None,
) -> list[RunSummary]:
    """Run the policy's suites against its targets, store every result, summarize.

    Every target is checked (preflight) and every dataset loaded before the first
    request, so a bad key or a malformed row stops the run before it starts.

    Raises:
        TargetError: a target failed its preflight (one real chat completion included).
        TargetDown: a target stopped answering during the run (finished samples are
            stored: resume completes the run).
        DataError: a dataset is malformed.
        UsageError: an unknown suite or role was asked for.
    """
    cfg = config or EvalConfig()
    if cfg.record_path is not None and len(roles) != 1:
        raise UsageError(
            "--record writes one target's responses: choose one --target",
            fix="run 'clearance eval --record PATH --target candidate'",
        )
    if not live_suites(policy.suites, list(suites or [])):
        return []  # every suite asked for is imported: nothing to send to a target
    async with AsyncExitStack() as stack:
        arms = await _arms(policy, roles, cfg, stack)
        judge = await _judge(policy, cfg, stack)
        plans = plan_suites(policy, list(suites or []), limit=cfg.limit, judge=judge)
        recorder = _recorder(cfg, stack)
        refs = await _run_all(store, plans, arms, cfg, on_progress, recorder)
    return [_summary(store, ref) for ref in refs]


def _summary(store: Store, ref: RunRef) -> RunSummary:
    summary = replace(summarize(store, ref.run_id, ref.role), reused=ref.reused)
    summary = replace(summary, retried=ref.retried)
    progress = ref.progress
    if progress is None:
        return summary
    p50, p95, _ = percentiles(sorted(progress.queue_ms))
    return replace(
        summary,
        retries=progress.retries,
        timeouts=progress.timeouts,
        queue_p50_ms=p50,
        queue_p95_ms=p95,
        concurrency=progress.concurrency or None,
    )


def evaluate(
    policy: Policy,
    store: Store,
    config: EvalConfig | None = None,
    *,
    suites: Sequence[str] | None = None,
    roles: Sequence[Role] = ("candidate",),
    on_progress: ProgressCallback | None = None,
) -> list[RunSummary]:
    """Synchronous :func:`aevaluate` (runs its own event loop)."""
    return asyncio.run(
        aevaluate(policy, store, config, suites=suites, roles=roles, on_progress=on_progress)
    )


async def _run_all(
    store: Store,
    plans: list[SuitePlan],
    arms: list[RoleTarget],
    config: EvalConfig,
    on_progress: ProgressCallback | None,
    recorder: Recorder | None,
) -> list[RunRef]:
    refs = []
    for plan in plans:
        for arm in arms:
            refs.append(await run_suite(store, plan, arm, config, on_progress, recorder))
    return refs


async def _arms(
    policy: Policy, roles: Sequence[Role], config: EvalConfig, stack: AsyncExitStack
) -> list[RoleTarget]:
    arms = []
    for role in roles:
        spec = getattr(policy.targets, role, None)
        if spec is None:
            raise UsageError(
                f"the policy has no '{role}' target",
                fix=f"add targets.{role} or choose another --target",
            )
        target = await _live(policy, spec, role, config, stack)
        arms.append(RoleTarget(role, target, prices_for(spec), slots_for(config)))
    return arms


async def _judge(policy: Policy, config: EvalConfig, stack: AsyncExitStack) -> Target | None:
    spec = policy.targets.judge
    if spec is None:
        return None
    return await _live(policy, spec, "judge", config, stack)


async def _live(
    policy: Policy, spec: TargetSpec, role: str, config: EvalConfig, stack: AsyncExitStack
) -> Target:
    folder = policy.source.folder if policy.source is not None else None
    options = TargetOptions(
        folder=folder,
        role=role,
        connections=config.concurrency,
        threads=min(config.concurrency, 64),
    )
    target = build_target(spec, options)
    stack.push_async_callback(target.aclose)
    await target.preflight()
    if config.preflight_call:
        await call_once(target, role)
    return target


def _recorder(config: EvalConfig, stack: AsyncExitStack) -> Recorder | None:
    if config.record_path is None:
        return None
    recorder = Recorder(config.record_path)
    stack.callback(recorder.close)
    return recorder

"""The eval runner: every selected suite against every selected target, stored as it goes.

One asyncio loop; per suite run, ``concurrency`` workers pull (sample, repeat) pairs from
one shared iterator, so memory does not grow with the number of samples in flight. A
cancelled run (Ctrl-C) stores what finished and is marked ``interrupted``; a killed one
stays ``running``. Either is completed by ``resume``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

from clearance.evals._aimd import AdaptiveLimit
from clearance.evals._breaker import CircuitBreaker, TargetDown
from clearance.evals._cache import ResponseCache
from clearance.evals._call import CallContext, require_plants, run_sample
from clearance.evals._config import EvalConfig
from clearance.evals._cost import ResolvedPrices
from clearance.evals._events import Progress, ProgressCallback
from clearance.evals._limits import Limits
from clearance.evals._plan import SuitePlan
from clearance.evals._runs import create_run, done_keys, drop_errors, latest_run, set_status
from clearance.evals._sample import Sample
from clearance.evals._writer import ResultWriter
from clearance.store import Store
from clearance.targets import Recorder, Target


@dataclass(frozen=True, slots=True)
class RoleTarget:
    """A live target, the role it plays and its prices."""

    role: str
    target: Target
    prices: ResolvedPrices
    slots: AdaptiveLimit | None = None
    """The target's adaptive concurrency limit, shared by its suite runs (None: one
    per suite run)."""


@dataclass(frozen=True, slots=True)
class RunRef:
    """A stored run of one suite against one target."""

    run_id: str
    suite: str
    role: str
    target: str
    reused: bool = False
    """True when ``resume`` found a stored run of the same suite content and target."""
    retried: int = 0
    """Errored samples of that stored run that were run again."""
    progress: Progress | None = None
    """The run's last progress (retries, timeouts, queue times); None when reused."""


async def run_suite(
    store: Store,
    plan: SuitePlan,
    arm: RoleTarget,
    config: EvalConfig,
    on_progress: ProgressCallback | None = None,
    recorder: Recorder | None = None,
) -> RunRef:
    """Run (or resume) one suite against one target and store every result."""
    if getattr(arm.target, "recorded_sample", None) is not None:
        require_plants(arm.target, plan.samples)  # before any run row is written
    run_id, done, retried = _open_run(store, plan, arm, config)
    if done is None:  # resume found it complete: no sample is made or sent
        return RunRef(run_id, plan.name, arm.role, arm.target.name, reused=True)
    progress = Progress(
        plan.name, arm.role, arm.target.name, plan.total, done=len(done), resumed=len(done)
    )
    reused = bool(done) or bool(retried)
    ref = RunRef(run_id, plan.name, arm.role, arm.target.name, reused, retried, progress)
    ctx = _context(run_id, plan, arm, config, recorder)
    ctx.progress = progress
    progress.concurrency = ctx.slots.limit if ctx.slots is not None else config.concurrency
    pending = _pending(plan, done)
    if on_progress is not None:
        on_progress(progress)  # started: a display shows the run before a sample ends
    try:
        await _drain(store, ctx, pending, config, progress, on_progress)
    except BaseException:
        set_status(store, run_id, "interrupted")
        raise
    set_status(store, run_id, "complete")
    progress.finished = True
    if on_progress is not None:
        on_progress(progress)
    return ref


def _open_run(
    store: Store, plan: SuitePlan, arm: RoleTarget, config: EvalConfig
) -> tuple[str, set[tuple[str, int]] | None, int]:
    """The run to write into, what it already holds (None: complete, nothing to do) and
    how many errored results of a stored run were dropped to be run again (an outage's
    timeouts are not evidence about the system)."""
    if config.resume:
        previous = latest_run(store, arm.target.fingerprint, plan.name, plan.suite_hash)
        if previous is not None:
            retried = drop_errors(store, previous.id)
            if previous.status == "complete" and not retried:
                return previous.id, None, 0
            set_status(store, previous.id, "running")
            return previous.id, done_keys(store, previous.id), retried
    run = {
        "role": arm.role,
        "target_fingerprint": arm.target.fingerprint,
        "suite": plan.name,
        "suite_hash": plan.suite_hash,
        "total": plan.total,
        "config": {
            "repeats": plan.repeats,
            "target": arm.target.name,
            "prices": arm.prices.source,
            "price_note": arm.prices.note,
            "system_prompt": arm.target.system_prompt,
        },
    }
    return create_run(store, run), set(), 0


def _context(
    run_id: str,
    plan: SuitePlan,
    arm: RoleTarget,
    config: EvalConfig,
    recorder: Recorder | None,
) -> CallContext:
    cache = None
    if config.cache_dir is not None:
        cache = ResponseCache(config.cache_dir, arm.target.fingerprint)
    return CallContext(
        run_id=run_id,
        target=arm.target,
        scorer=plan.scorer,
        prices=arm.prices,
        retry=config.retry,
        limits=Limits(config.requests_per_s, config.tokens_per_min),
        cache=cache,
        recorder=recorder,
        reviewer=plan.reviewer,
        slots=arm.slots or slots_for(config),
        breaker=CircuitBreaker(
            arm.target,
            arm.role,
            failures=config.down_after_failures,
            budget_s=config.down_after_s,
        ),
    )


def slots_for(config: EvalConfig) -> AdaptiveLimit:
    """A target's concurrency limit under ``config``."""
    return AdaptiveLimit(
        config.concurrency, start=config.start_concurrency, adaptive=config.adaptive
    )


def _pending(plan: SuitePlan, done: set[tuple[str, int]]) -> Iterator[tuple[Sample, int]]:
    for repeat in range(plan.repeats):
        for sample in plan.samples:
            if (sample.id, repeat) not in done:
                yield sample, repeat


async def _drain(
    store: Store,
    ctx: CallContext,
    pending: Iterator[tuple[Sample, int]],
    config: EvalConfig,
    progress: Progress,
    on_progress: ProgressCallback | None,
) -> None:
    async def worker() -> None:
        for sample, repeat in pending:
            row = await run_sample(ctx, sample, repeat)
            writer.add(row)
            progress.done += 1
            if row["error"] is not None:
                progress.errors += 1
            if on_progress is not None:
                on_progress(progress)

    writer = ResultWriter(
        store,
        batch_size=config.batch_size,
        interval_s=config.flush_interval_s,
        recorder=ctx.recorder,
    )
    with writer:
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(config.concurrency):
                    group.create_task(worker())
        except* TargetDown as down:
            raise down.exceptions[0] from None

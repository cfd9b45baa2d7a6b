"""One sample against one target: cache, rate limits, retries, scoring, the result row."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clearance.errors import DataError
from clearance.evals._aimd import AdaptiveLimit, CallEnding
from clearance.evals._breaker import CircuitBreaker
from clearance.evals._cache import ResponseCache, request_hash
from clearance.evals._config import RetryPolicy
from clearance.evals._cost import ResolvedPrices
from clearance.evals._events import Progress
from clearance.evals._limits import Limits, backoff
from clearance.evals._sample import Sample
from clearance.evals._scoring import Reviewer, StoredScore, score
from clearance.evals.scorers import ResponseScorer
from clearance.targets import CallError, CallKey, Completion, Recorder, Target


@dataclass(slots=True)
class CallContext:
    """Everything a sample call needs besides the sample: built once per suite run."""

    run_id: str
    target: Target
    scorer: ResponseScorer | None
    prices: ResolvedPrices
    retry: RetryPolicy
    limits: Limits
    cache: ResponseCache | None = None
    recorder: Recorder | None = None
    reviewer: Reviewer | None = None
    """A model judge's second opinion on every scored response (advisory)."""
    slots: AdaptiveLimit | None = None
    """The adaptive concurrency limit of the target (None: unlimited here)."""
    breaker: CircuitBreaker | None = None
    progress: Progress | None = None
    """Where retries, timeouts and queue times are counted."""


async def run_sample(ctx: CallContext, sample: Sample, repeat: int) -> dict[str, Any]:
    """The ``sample_results`` row of one sample and repeat; never raises ``CallError``."""
    key = CallKey(sample.id, repeat)
    sample = _as_recorded(ctx.target, sample, key)
    messages = sample.chat()
    row = _row(ctx.run_id, sample, repeat)
    try:
        completion, attempts = await _complete(ctx, messages, key, row["sent"])
    except _Failed as failed:
        if ctx.breaker is not None:
            ctx.breaker.sample_failed(failed.error)
        row.update(
            error=str(failed.error),
            error_kind=failed.error.kind,
            details={"attempts": failed.attempts},
        )
        return row
    _fill(row, ctx, completion, attempts)
    if ctx.scorer is not None:
        outcome = await _score(row, ctx.scorer, completion.text, sample, completion.tool_calls)
        reviewer = ctx.reviewer
        if outcome is not None and reviewer is not None:
            opinion = await _review(reviewer, completion, sample, outcome, ctx.retry)
            row["details"]["model_judge"] = opinion
    return row


def _as_recorded(target: Target, sample: Sample, key: CallKey) -> Sample:
    """For a replayed target, the sample as it was recorded (its planted canaries and PII):
    a fresh sample's new plants would never match an old output, hiding every leak."""
    recorded = getattr(target, "recorded_sample", None)
    record = recorded(key) if recorded is not None else None
    return sample.replay(record) if record is not None else sample


def require_plants(target: Target, samples: Iterable[Sample]) -> None:
    """Refuse to replay probes whose planted values the recording does not carry.

    Raises:
        DataError: naming the recording and the first such sample.
    """
    recorded = getattr(target, "recorded_sample", None)
    if recorded is None:
        return
    for sample in samples:
        if sample.metadata.get("planted") and recorded(CallKey(sample.id, 0)) is None:
            raise DataError(
                f"the recording has no planted values for sample '{sample.id}': it was "
                "recorded without them, so its responses cannot be judged against the "
                "canaries and personal data that were planted when it was made",
                file=str(getattr(target, "path", "")) or None,
                fix="record again with 'clearance eval --record PATH', which writes each "
                "sample's planted values with its response",
            )


class _Failed(Exception):
    def __init__(self, error: CallError, attempts: int) -> None:
        self.error = error
        self.attempts = attempts


async def _complete(
    ctx: CallContext, messages: list[dict[str, Any]], key: CallKey, sent: dict[str, Any]
) -> tuple[Completion, int]:
    digest = request_hash(messages, None, key.repeat) if ctx.cache is not None else ""
    if ctx.cache is not None:
        cached = ctx.cache.get(digest, messages)
        if cached is not None:
            return cached, 0
    completion, attempts = await _with_retries(ctx, messages, key)
    if ctx.cache is not None:
        ctx.cache.put(digest, key, completion)
    if ctx.recorder is not None:
        ctx.recorder.write(key, completion, sent)
    return completion, attempts


async def _with_retries(
    ctx: CallContext, messages: list[dict[str, Any]], key: CallKey
) -> tuple[Completion, int]:
    attempt = 1
    while True:
        try:
            completion = await _attempt(ctx, messages, key)
        except CallError as error:
            _count_failure(ctx, error, attempt)
            if not error.retryable or attempt >= ctx.retry.attempts:
                raise _Failed(error, attempt) from None
            await asyncio.sleep(backoff(ctx.retry, attempt, error))
            attempt += 1
            continue
        if ctx.breaker is not None:
            ctx.breaker.success()
        ctx.limits.spend(completion.usage.input_tokens + completion.usage.output_tokens)
        return completion, attempt


async def _attempt(ctx: CallContext, messages: list[dict[str, Any]], key: CallKey) -> Completion:
    """One call, in a concurrency slot. The wait for the slot and the rate-limit tokens is
    queue time, counted apart: the latency is the target's own (measured by the target)."""
    queued = time.perf_counter()
    epoch = await ctx.slots.acquire() if ctx.slots is not None else 0
    outcome: CallEnding = "other"
    try:
        await ctx.limits.acquire()
        if ctx.progress is not None:
            ctx.progress.queue_ms.append((time.perf_counter() - queued) * 1000.0)
        completion = await ctx.target.complete(messages, key=key)
        outcome = "ok"
        return completion
    except CallError as error:
        outcome = "overload" if error.kind in _OVERLOAD else "other"
        raise
    finally:
        if ctx.slots is not None:
            ctx.slots.release(epoch, outcome)
            if ctx.progress is not None:
                ctx.progress.concurrency = ctx.slots.limit


_OVERLOAD = frozenset({"rate_limit", "server", "timeout", "connection"})


def _count_failure(ctx: CallContext, error: CallError, attempt: int) -> None:
    progress = ctx.progress
    if progress is not None:
        progress.timeouts += error.kind == "timeout"
        progress.retries += error.retryable and attempt < ctx.retry.attempts
    if ctx.breaker is not None:
        ctx.breaker.attempt_failed(error)


def _row(run_id: str, sample: Sample, repeat: int) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "sample_id": sample.id,
        "repeat": repeat,
        "category": sample.category,
        "output": None,
        "error": None,
        "error_kind": None,
        "score": None,
        "passed": None,
        "latency_ms": None,
        "ttft_ms": None,
        "input_tokens": None,
        "output_tokens": None,
        "tokens_estimated": False,
        "cost_usd": None,
        "response_id": None,
        "details": {},
        "sent": sample.record(),
    }


def _fill(row: dict[str, Any], ctx: CallContext, done: Completion, attempts: int) -> None:
    usage = done.usage
    row.update(
        output=done.text,
        latency_ms=done.latency_ms,
        ttft_ms=done.ttft_ms,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        tokens_estimated=usage.estimated,
        cost_usd=ctx.prices.cost(usage),
        response_id=done.response_id,
    )
    details: dict[str, Any] = row["details"]
    if done.tool_calls:
        details["tool_calls"] = done.tool_calls
    if attempts != 1:
        details["attempts" if attempts else "cached"] = attempts or True


async def _score(
    row: dict[str, Any], scorer: ResponseScorer, text: str, sample: Sample, tool_calls: Any
) -> StoredScore | None:
    try:
        outcome = await score(scorer, text, sample, tool_calls)
    except Exception as exc:  # a scorer bug must not lose the response
        row.update(error=f"scorer failed: {type(exc).__name__}: {exc}", error_kind="scorer")
        return None
    row.update(score=outcome.score, passed=outcome.passed)
    if outcome.details:
        row["details"].update(outcome.details)
    return outcome


async def _review(
    reviewer: Reviewer, done: Completion, sample: Sample, local: StoredScore, retry: RetryPolicy
) -> dict[str, Any]:
    """The model judge's opinion, as JSON; whatever goes wrong there leaves the score be."""
    try:
        opinion = await reviewer.review(done.text, sample, done.tool_calls, local, retry)
    except Exception as exc:
        failed = {"error": f"{type(exc).__name__}: {exc}"[:300], "error_kind": "exception"}
        opinion = {"status": "error", "verdict": None, "flag": None, "agrees": None, **failed}
    loaded: dict[str, Any] = json.loads(json.dumps(opinion, default=str))
    return loaded

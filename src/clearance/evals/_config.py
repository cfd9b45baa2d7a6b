"""The settings of one eval run, built once and passed down (no long keyword lists)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter on transient failures.

    Attributes:
        attempts: Total tries per sample, the first included.
        base_s: Delay before the first retry (doubled each time, then jittered).
        max_s: Upper bound of one delay (a server's ``Retry-After`` may exceed it,
            up to ``max_retry_after_s``).
        max_retry_after_s: Longest ``Retry-After`` honoured.
    """

    attempts: int = 5
    base_s: float = 0.5
    max_s: float = 20.0
    max_retry_after_s: float = 120.0


@dataclass(frozen=True, slots=True)
class EvalConfig:
    """How an eval run is carried out.

    Attributes:
        concurrency: Requests in flight at once, per target.
        requests_per_s: Optional request-rate limit, per target.
        tokens_per_min: Optional token-rate limit (input + output), per target.
        retry: Retry policy for transient failures.
        cache_dir: Folder of the JSON response cache; None turns the cache off.
        record_path: Write every successful response to this JSONL recording.
        batch_size: Results written to the store per transaction.
        flush_interval_s: Longest time a finished result waits before it is stored.
        resume: Continue the latest unfinished run of each suite and target.
        limit: Run only N samples of each suite (overrides suite limits): a seeded sample
            stratified by category, see :func:`clearance.evals._plan.stratified`; a user
            suite without a ``category`` column keeps its first N rows.
        adaptive: Learn the concurrency while running (see
            :mod:`clearance.evals._aimd`): start at ``start_concurrency``, never above
            ``concurrency``. False keeps ``concurrency`` calls in flight throughout.
        start_concurrency: Calls in flight at the start of an adaptive run.
        down_after_failures: Stop the run (``TargetDown``, exit 3) after this many
            consecutive samples of one target failed for transport reasons (connection,
            timeout, 5xx) after their retries.
        down_after_s: ... or when a target's calls kept failing for transport reasons
            with no success for this many seconds.
        preflight_call: Before the run, make one real chat completion per target (the
            same call the run makes); a target that cannot answer it stops the run.
    """

    concurrency: int = 64
    requests_per_s: float | None = None
    tokens_per_min: float | None = None
    retry: RetryPolicy = RetryPolicy()
    cache_dir: Path | None = None
    record_path: Path | None = None
    batch_size: int = 50
    flush_interval_s: float = 0.5
    resume: bool = False
    limit: int | None = None
    adaptive: bool = True
    start_concurrency: int = 4
    down_after_failures: int = 10
    down_after_s: float = 60.0
    preflight_call: bool = True

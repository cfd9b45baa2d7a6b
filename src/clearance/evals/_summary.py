"""Summaries of stored runs: pass rate, errors, tokens, cost, latency percentiles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clearance.errors import RuntimeFailure
from clearance.store import Store


class NothingMeasured(RuntimeFailure):
    """Every sample of a suite run failed: no evidence to decide on (exit 3)."""


def require_results(summaries: Sequence[RunSummary]) -> None:
    """The rule behind ``eval``'s exit code 3: a suite run whose every sample errored
    measured nothing about the system. (``check`` still decides: its reliability gates
    judge the errors; it shows the same top errors.)

    Raises:
        NothingMeasured: naming each such run and its most frequent errors.
    """
    failed = [item for item in summaries if item.failed_entirely]
    if not failed:
        return
    lines = [line for item in failed for line in item.error_lines()]
    raise NothingMeasured(
        "every sample failed, nothing was measured: " + "; ".join(lines),
        fix="correct the target so it answers (these are its own errors), then run again",
    )


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What a person wants to know about one suite run against one target.

    ``pass_rate`` counts errors as failures (a sample that could not be answered did not
    pass); ``cost_usd`` is None when any answered sample has no price.
    """

    run_id: str
    suite: str
    role: str
    status: str
    total: int
    done: int
    errors: int
    passed: int
    scored: int
    input_tokens: int
    output_tokens: int
    tokens_estimated: int
    cost_usd: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    reused: bool = False
    """The results came (at least partly) from a stored run of the same suite content
    against the same target fingerprint."""
    retried: int = 0
    """Errored results of that stored run that were asked again."""
    top_errors: tuple[tuple[str, int], ...] = ()
    """The most frequent error messages of the run's results and how many had each."""
    retries: int = 0
    """Calls made again after a transient failure, in this process (0 when reused)."""
    timeouts: int = 0
    """Calls that timed out (retried or not), in this process."""
    queue_p50_ms: float | None = None
    """Median wait of a call for a concurrency slot and rate-limit tokens (harness time,
    not in the latency percentiles)."""
    queue_p95_ms: float | None = None
    concurrency: int | None = None
    """Calls the adaptive limit allowed in flight at the end of the run."""

    @property
    def failed_entirely(self) -> bool:
        """Every result errored: the run measured nothing about the system."""
        return self.done > 0 and self.errors == self.done

    def error_lines(self, top: int = 3) -> list[str]:
        """``"162/162 failed: HTTP 404 ..."``, one line per frequent error."""
        return [
            f"{self.suite} on {self.role}: {count}/{self.done} failed: {message}"
            for message, count in self.top_errors[:top]
        ]

    @property
    def provenance(self) -> str:
        """Where this run's results came from, in one line."""
        if not self.reused:
            return f"{self.suite} on {self.role}: run now ({self.done} results)"
        line = (
            f"{self.suite} on {self.role}: stored run {self.run_id[:8]} reused (same suite "
            "content, scorer and repeats; same target fingerprint)"
        )
        return line + (f"; {self.retried} errored result(s) asked again" if self.retried else "")

    @property
    def pass_rate(self) -> float | None:
        denominator = self.scored + self.errors
        return self.passed / denominator if denominator and self.scored else None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.done if self.done else None


def summarize(store: Store, run_id: str, role: str | None = None) -> RunSummary:
    """The summary of one stored run.

    Raises:
        RunNotFound: no run has that id.
    """
    with store.transaction() as tx:
        run = tx.runs.get(run_id)
        stats = tx.runs.stats(run_id)
    p50, p95, p99 = percentiles(stats.latencies_ms)
    return RunSummary(
        run_id=run_id,
        suite=run.suite,
        role=role or run.role,
        status=run.status,
        total=run.total,
        done=stats.done,
        errors=stats.errors,
        passed=stats.passed,
        scored=stats.scored,
        input_tokens=stats.input_tokens,
        output_tokens=stats.output_tokens,
        tokens_estimated=stats.tokens_estimated,
        cost_usd=stats.cost_usd,
        latency_p50_ms=p50,
        latency_p95_ms=p95,
        latency_p99_ms=p99,
        top_errors=stats.top_errors,
    )


def percentiles(values: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """p50, p95, p99 of sorted ``values``, linearly interpolated (numpy's default rule);
    None for all three when empty. Pure Python: numpy would add 80 ms to start-up."""
    if not values:
        return None, None, None
    return _quantile(values, 0.50), _quantile(values, 0.95), _quantile(values, 0.99)


def _quantile(values: Sequence[float], q: float) -> float:
    position = (len(values) - 1) * q
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return float(values[low] + (values[high] - values[low]) * (position - low))

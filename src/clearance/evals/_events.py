"""Progress events: the library reports, the CLI draws. Nothing here prints."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Progress:
    """The state of one suite run against one target, updated as samples finish.

    The runner passes the same object to every callback of a run; copy what you keep.
    """

    suite: str
    role: str
    target: str
    total: int
    done: int = 0
    errors: int = 0
    resumed: int = 0
    """Samples already stored by an earlier, interrupted run (counted in ``done``)."""
    finished: bool = False
    started: float = field(default_factory=time.monotonic)
    retries: int = 0
    """Calls made again after a transient failure (a sample answered at its third try
    counts two)."""
    timeouts: int = 0
    """Calls that timed out, retried or not."""
    concurrency: int = 0
    """Calls the adaptive limit allows in flight now."""
    queue_ms: list[float] = field(default_factory=list)
    """Per call, the time it waited for a concurrency slot and rate-limit tokens: harness
    time, kept out of the call's latency."""

    @property
    def rate(self) -> float:
        """Samples per second in this process (resumed samples excluded)."""
        elapsed = time.monotonic() - self.started
        return (self.done - self.resumed) / elapsed if elapsed > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 else None


ProgressCallback = Callable[[Progress], None]

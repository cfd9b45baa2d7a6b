"""Adaptive concurrency: how many calls one target gets at once, learnt while it runs.

Additive increase, multiplicative decrease. A run starts modestly (``start`` calls in
flight) and moves one step at a time after each window of successes, keeping a step up
only when it raised throughput: a server that answers one request at a time gains
nothing from a second one (the second only waits in the server's queue, and its latency
measures that queue), so the limit walks back down to what the server serves in
parallel. A rate limit, a 5xx, a timeout or a lost connection halves the limit at once.
The configured ``concurrency`` is the ceiling; ``adaptive=False`` keeps it fixed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Literal

CallEnding = Literal["ok", "overload", "other"]
"""How a call ended, for the limit: answered, overloaded (429, 5xx, timeout, connection
lost) or anything else (a client error says nothing about load)."""

_HOLD_WINDOWS = 8
"""Windows to stay at a level found best before probing one step up again."""


class AdaptiveLimit:
    """A concurrency limit that adapts to how the target copes (see the module)."""

    def __init__(self, ceiling: int, *, start: int = 4, adaptive: bool = True) -> None:
        self.ceiling = max(1, ceiling)
        self.adaptive = adaptive
        self.limit = min(max(1, start), self.ceiling) if adaptive else self.ceiling
        self.peak = self.limit
        self.decreases = 0
        self.in_flight = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._epoch = 0
        self._count = 0
        self._start = time.monotonic()
        self._prev: tuple[int, float] | None = None
        self._hold = 0

    async def acquire(self) -> int:
        """Wait for a free slot; the epoch to hand back to :meth:`release`."""
        if self.in_flight >= self.limit or self._waiters:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter  # the releaser hands its slot over (in_flight unchanged)
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._free()  # handed a slot while being cancelled: give it back
                elif waiter in self._waiters:
                    self._waiters.remove(waiter)
                raise
        else:
            self.in_flight += 1
        return self._epoch

    def release(self, epoch: int, outcome: CallEnding) -> None:
        """Free the slot taken at ``epoch`` and learn from how its call ended."""
        if outcome == "overload":
            self._overload(epoch)
        elif outcome == "ok":
            self._success()
        self._free()

    def _free(self) -> None:
        self.in_flight -= 1
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def _overload(self, epoch: int) -> None:
        # Calls that started before the last decrease saw the old limit: one halving each.
        if not self.adaptive or epoch != self._epoch:
            return
        self._set(max(1, self.limit // 2))
        self._epoch += 1
        self.decreases += 1
        self._prev = None
        self._hold = _HOLD_WINDOWS // 2

    def _success(self) -> None:
        self._count += 1
        if not self.adaptive or self._count < max(4, self.limit):
            return
        now = time.monotonic()
        throughput = self._count / max(now - self._start, 1e-6)
        self._step(throughput)

    def _step(self, throughput: float) -> None:
        level, prev = self.limit, self._prev
        self._prev = (level, throughput)
        if self._hold > 0:
            self._hold -= 1
            return
        if prev is None or prev[0] == level:
            self._set(level + 1)
            return
        gain = throughput / prev[1] if prev[1] > 0 else 1.0
        proportional = level / prev[0]
        if level > prev[0]:  # went up: keep going while at least half the ideal gain came
            paid = gain >= 1.0 + 0.5 * (proportional - 1.0)
            self._set(level + 1 if paid else level - 1)
        elif gain >= 0.9:  # went down and kept the throughput: fewer calls, same work
            self._set(level - 1)
        else:  # went down and lost throughput: go back and stay a while
            self._set(prev[0])
            self._hold = _HOLD_WINDOWS

    def _set(self, limit: int) -> None:
        clamped = min(self.ceiling, max(1, limit))
        if clamped == self.limit and limit != self.limit:
            self._hold = _HOLD_WINDOWS  # at the floor or the ceiling: stay, probe later
        self.limit = clamped
        self.peak = max(self.peak, clamped)
        self._count = 0
        self._start = time.monotonic()

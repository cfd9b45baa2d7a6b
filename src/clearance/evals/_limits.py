"""Rate limits and retry delays for the runner."""

from __future__ import annotations

import asyncio
import random
import time

from clearance.evals._config import RetryPolicy
from clearance.targets import CallError


class TokenBucket:
    """A token bucket: ``take(n)`` waits until ``n`` units are available.

    ``rate`` units are added per second up to ``capacity``; waiting callers are served
    one at a time, so a burst cannot overdraw the bucket.
    """

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.level = capacity
        self.stamp = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
        self.stamp = now

    async def take(self, amount: float = 1.0) -> None:
        amount = min(amount, self.capacity)
        async with self._lock:
            self._refill()
            while self.level < amount:
                await asyncio.sleep((amount - self.level) / self.rate)
                self._refill()
            self.level -= amount

    def charge(self, amount: float) -> None:
        """Deduct ``amount`` after the fact (tokens are known only after a call)."""
        self._refill()
        self.level -= amount


class Limits:
    """The optional request-rate and token-rate limits of one target."""

    def __init__(self, requests_per_s: float | None, tokens_per_min: float | None) -> None:
        self.requests = (
            TokenBucket(requests_per_s, max(1.0, requests_per_s)) if requests_per_s else None
        )
        self.tokens = TokenBucket(tokens_per_min / 60.0, tokens_per_min) if tokens_per_min else None

    async def acquire(self) -> None:
        if self.requests is not None:
            await self.requests.take()
        if self.tokens is not None:
            # Wait while the token budget is overdrawn; the call's cost is charged after.
            await self.tokens.take(1.0)

    def spend(self, tokens: int) -> None:
        if self.tokens is not None:
            self.tokens.charge(max(0, tokens - 1))


def backoff(policy: RetryPolicy, attempt: int, error: CallError) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based) after ``error``."""
    ceiling = min(policy.max_s, policy.base_s * (2 ** (attempt - 1)))
    delay = random.uniform(ceiling / 2, ceiling)
    if error.retry_after is not None:
        delay = max(delay, min(error.retry_after, policy.max_retry_after_s))
    return delay

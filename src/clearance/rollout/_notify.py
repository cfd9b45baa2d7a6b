"""Webhook notifications: a JSON POST, retried with exponential backoff."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(frozen=True)
class Webhook:
    """Where and how to deliver notifications."""

    url: str
    attempts: int = 4
    backoff_s: float = 0.25
    """Wait before the second attempt; doubles after each failure."""
    timeout_s: float = 5.0


async def post_json(hook: Webhook, payload: dict[str, Any]) -> tuple[bool, str]:
    """POST ``payload``; retry on connection errors and 5xx/429. Returns (delivered, detail)."""
    detail = ""
    timeout = aiohttp.ClientTimeout(total=hook.timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for attempt in range(hook.attempts):
            if attempt:
                await asyncio.sleep(hook.backoff_s * 2 ** (attempt - 1))
            try:
                async with session.post(hook.url, json=payload) as response:
                    if response.status < 300:
                        return True, f"HTTP {response.status} after {attempt + 1} attempt(s)"
                    detail = f"HTTP {response.status}"
                    if response.status < 500 and response.status != 429:
                        return False, detail  # the receiver rejects it: retrying won't help
            except (aiohttp.ClientError, TimeoutError) as exc:
                detail = f"{type(exc).__name__}: {exc}"
    return False, f"{detail} after {hook.attempts} attempts"


def notify(hook: Webhook, payload: dict[str, Any]) -> tuple[bool, str]:
    """Blocking :func:`post_json` for synchronous callers (the controller)."""
    return asyncio.run(post_json(hook, payload))

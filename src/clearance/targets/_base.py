"""What every target shares: the ``Target`` protocol, a ``Completion`` and ``CallError``.

A target turns a list of OpenAI-style messages into one ``Completion``. Failures of a
single call are ``CallError`` (with a ``kind`` and whether a retry may help), so the
runner can retry or record them; failures that make a whole run pointless (unreachable
endpoint, bad key) are raised by ``preflight`` as :class:`clearance.errors.TargetError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Message = dict[str, Any]
"""One OpenAI-style chat message: ``{"role": ..., "content": ...}``."""

ErrorKind = Literal[
    "rate_limit",
    "server",
    "timeout",
    "connection",
    "client",
    "bad_response",
    "exception",
    "not_recorded",
]
RETRYABLE_KINDS: frozenset[str] = frozenset({"rate_limit", "server", "timeout", "connection"})


class CallError(Exception):
    """One call to a target failed.

    Attributes:
        kind: What failed; ``rate_limit``, ``server``, ``timeout`` and ``connection`` are
            transient and retried by the runner, the others are recorded at once.
        retry_after: Seconds the server asked us to wait (``Retry-After``), if any.
        status: The HTTP status, for HTTP targets.
    """

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.retry_after = retry_after
        self.status = status

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE_KINDS


@dataclass(slots=True)
class Usage:
    """Token counts of one call; ``estimated`` when the target did not report them."""

    input_tokens: int
    output_tokens: int
    estimated: bool = False


@dataclass(slots=True)
class Completion:
    """One response of a target.

    Attributes:
        text: The assistant message's text ("" when it only called tools).
        usage: Token counts, reported or estimated.
        latency_ms: Wall time of the call, including reading the whole response.
        ttft_ms: Time to the first streamed token (streaming targets only).
        response_id: The provider's response id, when it sends one.
        tool_calls: Tool calls the response asked for (OpenAI shape).
        raw: The decoded response as received (not stored unless recording).
    """

    text: str
    usage: Usage
    latency_ms: float
    ttft_ms: float | None = None
    response_id: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    raw: Any = None


@dataclass(frozen=True, slots=True)
class CallKey:
    """Which sample and repeat a call is for; replaying targets look responses up by it."""

    sample_id: str
    repeat: int = 0


@runtime_checkable
class Target(Protocol):
    """A model or system under test, called asynchronously."""

    name: str
    """Human label (the policy's ``label``, else the model or callable)."""
    fingerprint: str
    """sha256 of the target's identity; results are reusable while it is unchanged."""

    async def complete(
        self,
        messages: list[Message],
        *,
        params: dict[str, Any] | None = None,
        key: CallKey | None = None,
    ) -> Completion:
        """Answer ``messages``; raises ``CallError`` when this one call fails."""
        ...

    async def preflight(self) -> None:
        """Check the target can be used at all; raises ``TargetError`` naming the fix."""
        ...

    async def aclose(self) -> None:
        """Release connections and threads."""
        ...


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate: about four characters per token, at least one."""
    return max(1, (len(text) + 3) // 4)


def messages_text(messages: list[Message]) -> str:
    """All text content of ``messages`` joined, for token estimates."""
    parts: list[str] = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return "\n".join(parts)


def make_usage(messages: list[Message], text: str, input_tokens: Any, output_tokens: Any) -> Usage:
    """Reported usage when both counts are integers, else an estimate flagged as such."""
    if isinstance(input_tokens, int) and isinstance(output_tokens, int):
        return Usage(input_tokens, output_tokens)
    return Usage(estimate_tokens(messages_text(messages)), estimate_tokens(text), True)

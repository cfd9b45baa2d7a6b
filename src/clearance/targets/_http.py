"""HTTP details of OpenAI-compatible endpoints: error classification, Retry-After, SSE."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from clearance.targets._base import CallError

try:  # orjson is optional: about 3x faster than json on the hot path when installed.
    import orjson

    def loads(data: bytes | str) -> Any:
        return orjson.loads(data)

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

except ImportError:  # pragma: no cover - depends on the environment

    def loads(data: bytes | str) -> Any:
        return json.loads(data)

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date), else None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def status_error(status: int, body: str, retry_after_header: str | None) -> CallError:
    """The ``CallError`` for a non-200 response."""
    snippet = body[:300].strip()
    message = f"HTTP {status}: {snippet}" if snippet else f"HTTP {status}"
    if status == 429:
        return CallError(
            "rate_limit", message, retry_after=retry_after(retry_after_header), status=status
        )
    if status == 408:
        return CallError("timeout", message, status=status)
    if status >= 500:
        return CallError(
            "server", message, retry_after=retry_after(retry_after_header), status=status
        )
    return CallError("client", message, status=status)


def parse_choice(data: Any) -> tuple[str, list[dict[str, Any]]]:
    """Text and tool calls of the first choice of a chat-completions response."""
    try:
        message = data["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise CallError("bad_response", "response has no choices[0].message") from None
    content = message.get("content") or ""
    tool_calls = message.get("tool_calls") or []
    if not isinstance(content, str):
        content = json.dumps(content)
    return content, list(tool_calls)


class StreamState:
    """Accumulates an SSE chat-completions stream: text, tool calls, usage, id."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.tools: dict[int, dict[str, Any]] = {}
        self.usage: dict[str, Any] = {}
        self.response_id: str | None = None
        self.first_token_at: float | None = None

    def feed(self, chunk: dict[str, Any]) -> None:
        self.response_id = self.response_id or chunk.get("id")
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if self.first_token_at is None:
                    self.first_token_at = time.perf_counter()
                self.parts.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                self._merge_tool(call)

    def _merge_tool(self, call: dict[str, Any]) -> None:
        slot = self.tools.setdefault(
            int(call.get("index", 0)), {"type": "function", "function": {"arguments": ""}}
        )
        if call.get("id"):
            slot["id"] = call["id"]
        function = call.get("function") or {}
        if function.get("name"):
            slot["function"]["name"] = function["name"]
        slot["function"]["arguments"] += function.get("arguments") or ""

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def tool_calls(self) -> list[dict[str, Any]]:
        return [self.tools[i] for i in sorted(self.tools)]


async def sse_events(lines: AsyncIterator[bytes]) -> AsyncIterator[dict[str, Any]]:
    """Decoded ``data:`` events of a server-sent-event stream, up to ``[DONE]``."""
    async for raw in lines:
        line = raw.strip()
        if not line.startswith(b"data:"):
            continue
        payload = line[5:].strip()
        if payload == b"[DONE]":
            return
        try:
            event = loads(payload)
        except ValueError:
            raise CallError("bad_response", "stream sent an event that is not JSON") from None
        if isinstance(event, dict):
            yield event

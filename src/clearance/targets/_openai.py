"""The ``openai`` adapter: any OpenAI-compatible chat-completions endpoint.

All calls share one pooled ``aiohttp.ClientSession`` (measured about 15x cheaper per
request than httpx at high concurrency, see the benchmark). The session is created
lazily inside the running event loop and closed by ``aclose``.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from clearance.errors import TargetError
from clearance.policy import OpenAITarget
from clearance.targets._base import (
    SYSTEM_CHECK_SYSTEM,
    SYSTEM_CHECK_USER,
    CallError,
    CallKey,
    Completion,
    Message,
    SystemPromptStatus,
    make_usage,
    system_prompt_by_usage,
)
from clearance.targets._fingerprint import digest
from clearance.targets._http import (
    StreamState,
    dumps,
    loads,
    parse_choice,
    sse_events,
    status_error,
)


class OpenAIChat:
    """A target speaking the OpenAI chat-completions API."""

    def __init__(self, spec: OpenAITarget, *, role: str = "target", connections: int = 64) -> None:
        self.spec = spec
        self.role = role
        self.name = spec.label or spec.model
        self.fingerprint = digest(_identity(spec))
        self._url = spec.base_url + "/chat/completions"
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self.system_prompt: SystemPromptStatus = "unverified"
        self.system_prompt_note = "not checked: the preflight has not run"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **self.spec.headers}
        key = os.environ.get(self.spec.api_key_env) if self.spec.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Plain-HTTP endpoints (local servers) skip building a TLS context: 60 ms of start-up.
            tls = self.spec.base_url.startswith("https:")
            connector = aiohttp.TCPConnector(limit=self._connections, ttl_dns_cache=300, ssl=tls)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers=self._headers(),
                timeout=aiohttp.ClientTimeout(total=self.spec.timeout_s),
            )
        return self._session

    def body(self, messages: list[Message], params: dict[str, Any] | None) -> dict[str, Any]:
        if self.spec.system_prompt is not None:
            messages = [{"role": "system", "content": self.spec.system_prompt}, *messages]
        body: dict[str, Any] = {"model": self.spec.model, "messages": messages}
        body.update(self.spec.params)
        if params:
            body.update(params)
        if self.spec.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    async def complete(
        self,
        messages: list[Message],
        *,
        params: dict[str, Any] | None = None,
        key: CallKey | None = None,
    ) -> Completion:
        body = self.body(messages, params)
        start = time.perf_counter()
        try:
            if self.spec.stream:
                return await self._stream(body, start)
            return await self._plain(body, start)
        except CallError:
            raise
        except TimeoutError:
            raise CallError(
                "timeout", f"no complete response within {self.spec.timeout_s} s"
            ) from None
        except aiohttp.ClientError as exc:
            raise CallError("connection", f"{type(exc).__name__}: {exc}") from None

    async def _plain(self, body: dict[str, Any], start: float) -> Completion:
        async with self.session().post(self._url, data=dumps(body)) as resp:
            raw = await resp.read()
            if resp.status != 200:
                text = raw.decode(errors="replace")
                raise self._status(resp.status, text, resp.headers.get("Retry-After"))
        latency = (time.perf_counter() - start) * 1000.0
        try:
            data = loads(raw)
        except ValueError:
            raise CallError("bad_response", "response body is not JSON") from None
        text, tool_calls = parse_choice(data)
        usage = data.get("usage") or {}
        return Completion(
            text=text,
            usage=make_usage(
                body["messages"], text, usage.get("prompt_tokens"), usage.get("completion_tokens")
            ),
            latency_ms=latency,
            response_id=data.get("id"),
            tool_calls=tool_calls,
            raw=data,
        )

    async def _stream(self, body: dict[str, Any], start: float) -> Completion:
        state = StreamState()
        async with self.session().post(self._url, data=dumps(body)) as resp:
            if resp.status != 200:
                text = await resp.text(errors="replace")
                raise self._status(resp.status, text, resp.headers.get("Retry-After"))
            async for event in sse_events(resp.content.__aiter__()):
                state.feed(event)
        end = time.perf_counter()
        ttft = None if state.first_token_at is None else (state.first_token_at - start) * 1000.0
        return Completion(
            text=state.text,
            usage=make_usage(
                body["messages"],
                state.text,
                state.usage.get("prompt_tokens"),
                state.usage.get("completion_tokens"),
            ),
            latency_ms=(end - start) * 1000.0,
            ttft_ms=ttft,
            response_id=state.response_id,
            tool_calls=state.tool_calls(),
        )

    def _status(self, status: int, body: str, retry_after: str | None) -> CallError:
        """The error of a non-200 answer, naming the path that gave it."""
        error = status_error(status, body, retry_after)
        path = urlsplit(self._url).path
        message = str(error).replace(f"HTTP {status}", f"HTTP {status} on {path}", 1)
        return CallError(error.kind, message, retry_after=error.retry_after, status=status)

    async def preflight(self) -> None:
        """Fail fast on a missing API key variable, an unreachable endpoint or a 401/403."""
        env = self.spec.api_key_env
        if env and not os.environ.get(env):
            raise TargetError(
                f"{self.role} target '{self.name}': environment variable {env} is not set",
                fix=f"export {env}=<your API key> (the policy names it in api_key_env)",
            )
        status = await self._probe()
        if status in (401, 403):
            raise TargetError(
                f"{self.role} target '{self.name}': {self.spec.base_url} answered HTTP {status} "
                "(the API key was refused)",
                fix=f"check the key in {env}" if env else "set api_key_env in the policy",
            )
        self.system_prompt, self.system_prompt_note = await self._check_system_prompt()

    async def _check_system_prompt(self) -> tuple[SystemPromptStatus, str]:
        """Whether the model gets the system message: the same user message with and
        without one, compared by reported prompt tokens; without usage, one request for a
        code word given only in the system message. Never raises: a check that cannot be
        made is ``unverified``, with the reason."""
        user: Message = {"role": "user", "content": SYSTEM_CHECK_USER}
        system: Message = {"role": "system", "content": SYSTEM_CHECK_SYSTEM}
        try:
            with_system = _prompt_tokens(await self._ask([system, user], 1))
            without = _prompt_tokens(await self._ask([user], 1))
            if with_system is not None and without is not None:
                verdict = system_prompt_by_usage(with_system, without)
                if verdict is not None:
                    return verdict
                reason = (
                    "the server reported fewer prompt tokens with a system message "
                    f"({with_system}) than without ({without})"
                )
            else:
                reason = "the server reports no token usage"
            return await self._code_word_probe(reason)
        except _Inconclusive as exc:
            return "unverified", f"the system-prompt check could not be made: {exc}"

    async def _code_word_probe(self, reason: str) -> tuple[SystemPromptStatus, str]:
        word = f"{secrets.choice(_WORDS)}-{secrets.randbelow(9000) + 1000}"
        messages: list[Message] = [
            {
                "role": "system",
                "content": f"The code word is {word}. When the user asks for the code word, "
                "reply with the code word and nothing else.",
            },
            {"role": "user", "content": "What is the code word? Reply with it only."},
        ]
        text, _ = parse_choice(await self._ask(messages, 16))
        if _squash(word) in _squash(text):
            return "received", (
                f"{reason}; the model repeated a code word given only in the system message"
            )
        return "unverified", (
            f"{reason}, and the model did not repeat a code word given only in the system "
            "message: it may drop system messages, or not follow them"
        )

    async def _ask(self, messages: list[Message], max_tokens: int) -> dict[str, Any]:
        """One plain (non-streamed) check request with the policy's parameters; its
        messages replace the target's own system prompt."""
        body: dict[str, Any] = {"model": self.spec.model, **self.spec.params}
        body["messages"] = messages
        limit = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
        body[limit] = max_tokens
        for key in ("stream", "stream_options"):
            body.pop(key, None)
        try:
            async with self.session().post(self._url, data=dumps(body)) as resp:
                raw = await resp.read()
                if resp.status != 200:
                    raise _Inconclusive(f"a check request answered HTTP {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _Inconclusive(f"a check request failed ({type(exc).__name__})") from None
        try:
            data = loads(raw)
        except ValueError:
            raise _Inconclusive("a check response is not JSON") from None
        if not isinstance(data, dict):
            raise _Inconclusive("a check response is not a JSON object")
        try:
            parse_choice(data)
        except CallError as exc:
            raise _Inconclusive(str(exc)) from None
        return data

    async def _probe(self) -> int:
        """HTTP status of GET /models, or of a 1-token completion where /models is absent."""
        try:
            async with self.session().get(self.spec.base_url + "/models") as resp:
                await resp.read()
                if resp.status not in (404, 405):
                    return resp.status
            body = {**self.body([{"role": "user", "content": "ping"}], None), "max_tokens": 1}
            body.pop("stream", None)
            body.pop("stream_options", None)
            async with self.session().post(self._url, data=dumps(body)) as resp:
                await resp.read()
                return resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TargetUnreachable(
                f"{self.role} target '{self.name}': cannot reach {self.spec.base_url} "
                f"({type(exc).__name__}: {exc})",
                fix="start the server or correct base_url in the policy",
            ) from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class TargetUnreachable(TargetError):
    """The endpoint cannot be reached at all: a run-time failure (exit 3), not an input
    to correct (the server may simply be down)."""

    exit_code = 3


class _Inconclusive(Exception):
    """A system-prompt check request gave no usable answer."""


_WORDS = ("HERON", "MAPLE", "COBALT", "TULIP", "QUARTZ", "OTTER", "SAFFRON", "GLACIER")


def _prompt_tokens(data: dict[str, Any]) -> int | None:
    usage = data.get("usage")
    count = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def _squash(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _identity(spec: OpenAITarget) -> dict[str, Any]:
    return {
        "adapter": "openai",
        "base_url": spec.base_url,
        "model": spec.model,
        "params": spec.params,
        "system_prompt": spec.system_prompt,
        "stream": spec.stream,
    }

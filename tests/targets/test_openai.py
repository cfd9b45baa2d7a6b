from __future__ import annotations

import asyncio
from typing import Any

import pytest
from evalkit import ScriptedServer

from clearance.errors import TargetError
from clearance.policy import OpenAITarget
from clearance.targets import CallError, OpenAIChat, build_target


def spec(url: str, **extra: Any) -> OpenAITarget:
    return OpenAITarget(adapter="openai", base_url=url, model="m", **extra)


def call(server: ScriptedServer, prompt: str, **extra: Any) -> Any:
    async def go() -> Any:
        async with server:
            target = OpenAIChat(spec(server.url, **extra))
            try:
                return await target.complete([{"role": "user", "content": prompt}])
            finally:
                await target.aclose()

    return asyncio.run(go())


def test_completion_text_usage_latency_and_id() -> None:
    done = call(ScriptedServer(), "hi")
    assert done.text == "echo: hi"
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.estimated) == (
        7,
        3,
        False,
    )
    assert done.response_id == "r-hi-0"
    assert done.latency_ms > 0


def test_missing_usage_is_estimated_and_flagged() -> None:
    done = call(ScriptedServer({"hello there": ["nousage"]}), "hello there")
    assert done.usage.estimated
    assert done.usage.input_tokens == 3 and done.usage.output_tokens == 5


def test_streaming_records_ttft_and_tool_calls() -> None:
    done = call(ScriptedServer(), "yo", stream=True)
    assert done.text == "echo: yo"
    assert done.ttft_ms is not None and done.ttft_ms <= done.latency_ms
    assert done.tool_calls == [
        {"type": "function", "id": "c1", "function": {"name": "f", "arguments": '{"a":1}'}}
    ]
    assert (done.usage.input_tokens, done.usage.output_tokens) == (5, 2)


@pytest.mark.parametrize(
    ("action", "kind", "retryable"),
    [
        ("429", "rate_limit", True),
        ("500", "server", True),
        ("drop", "connection", True),
        ("slow", "timeout", True),
        ("400", "client", False),
    ],
)
def test_failures_are_classified(action: str, kind: str, retryable: bool) -> None:
    with pytest.raises(CallError) as info:
        call(ScriptedServer({"p": [action]}, retry_after="7"), "p", timeout_s=0.3)
    assert info.value.kind == kind
    assert info.value.retryable is retryable
    if action == "429":
        assert info.value.retry_after == 7.0


def preflight(target_spec: OpenAITarget, server: ScriptedServer | None = None) -> None:
    async def go() -> None:
        if server is not None:
            async with server:
                target = build_target(target_spec.model_copy(update={"base_url": server.url}))
                try:
                    await target.preflight()
                finally:
                    await target.aclose()
            return
        target = build_target(target_spec)
        try:
            await target.preflight()
        finally:
            await target.aclose()

    asyncio.run(go())


def test_preflight_missing_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLR_TEST_KEY", raising=False)
    with pytest.raises(TargetError, match="CLR_TEST_KEY is not set") as info:
        preflight(spec("http://127.0.0.1:9", api_key_env="CLR_TEST_KEY"))
    assert "export CLR_TEST_KEY" in str(info.value)


def test_preflight_refused_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLR_TEST_KEY", "wrong")
    with pytest.raises(TargetError, match="HTTP 401"):
        preflight(spec("http://x", api_key_env="CLR_TEST_KEY"), ScriptedServer(key="right"))
    monkeypatch.setenv("CLR_TEST_KEY", "right")
    preflight(spec("http://x", api_key_env="CLR_TEST_KEY"), ScriptedServer(key="right"))


def test_preflight_unreachable_endpoint() -> None:
    with pytest.raises(TargetError, match="cannot reach http://127.0.0.1:9/v1") as info:
        preflight(spec("http://127.0.0.1:9/v1", label="cand"))
    assert "start the server" in str(info.value) and "'cand'" in str(info.value)


def test_fingerprint_covers_identity_not_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    base = OpenAIChat(spec("http://h/v1", api_key_env="K"))
    monkeypatch.setenv("K", "secret")
    assert OpenAIChat(spec("http://h/v1", api_key_env="K")).fingerprint == base.fingerprint
    assert (
        OpenAIChat(spec("http://h/v1", params={"temperature": 1})).fingerprint != base.fingerprint
    )
    assert OpenAIChat(spec("http://h/v1", system_prompt="be nice")).fingerprint != base.fingerprint

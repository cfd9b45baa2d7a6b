"""The preflight notices a target that drops the system message.

Gemma's chat format in llama.cpp discards the system message: 15 prompt tokens with or
without one. Such a target never sees the canaries or the personal data the security and
privacy suites plant there, so its figures for them mean nothing. The preflight sends one
short user message with and without a system message of known length and compares the
reported ``usage.prompt_tokens``; without usage it asks the model for a code word given
only in the system message, and calls the check ``unverified`` when that is inconclusive.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from evalkit import serve_openai, write_jsonl
from sqlalchemy import select

from clearance.cli._eval_cmds import system_prompt_warnings
from clearance.evals import EvalConfig, RunSummary, aevaluate
from clearance.policy import OpenAITarget, PythonTarget, RecordedTarget, parse_policy
from clearance.store import Store
from clearance.store._tables import EvalRun
from clearance.targets import build_target
from clearance.targets._base import system_prompt_by_usage

OVERHEAD = 8  # chat-template tokens around the turns


def tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4)


class ChatServer:
    """A real OpenAI-compatible endpoint on 127.0.0.1 whose handling of the system
    message is chosen by ``mode``:

    ``counts`` (usage counts every message), ``drops`` (usage and the model ignore system
    messages, as llama.cpp does with Gemma's format), ``nousage-obeys`` (no usage; the model
    follows the system message), ``nousage-drops`` (no usage; the model never sees it),
    ``404`` (no chat endpoint at all).
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.bodies: list[dict[str, Any]] = []
        self.url = ""
        self._runner: Any = None

    async def __aenter__(self) -> ChatServer:
        self._runner, self.url = await serve_openai(self._models, self._chat)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._runner.cleanup()

    async def _models(self, request: Any) -> Any:
        from aiohttp import web

        return web.json_response({"data": [{"id": "m"}]})

    async def _chat(self, request: Any) -> Any:
        from aiohttp import web

        body = await request.json()
        self.bodies.append(body)
        if self.mode == "404":
            return web.json_response({"error": "not found"}, status=404)
        seen = body["messages"]
        if self.mode.endswith("drops"):
            seen = [m for m in seen if m["role"] != "system"]
        reply = self._answer(seen)
        data: dict[str, Any] = {
            "id": "r1",
            "choices": [{"message": {"role": "assistant", "content": reply}}],
        }
        if not self.mode.startswith("nousage"):
            prompt = OVERHEAD + sum(tokens(m["content"]) for m in seen)
            data["usage"] = {"prompt_tokens": prompt, "completion_tokens": 1}
        return web.json_response(data)

    @staticmethod
    def _answer(seen: list[dict[str, Any]]) -> str:
        for message in seen:
            found = re.search(r"code word is ([A-Z0-9-]+)", message["content"])
            if message["role"] == "system" and found:
                return f"The code word is {found.group(1)}."
        return "I do not know any code word."


def checked(mode: str, **extra: Any) -> tuple[Any, ChatServer]:
    async def go() -> tuple[Any, ChatServer]:
        async with ChatServer(mode) as server:
            spec = OpenAITarget(adapter="openai", base_url=server.url, model="m", **extra)
            target = build_target(spec)
            try:
                await target.preflight()
            finally:
                await target.aclose()
            return target, server

    return asyncio.run(go())


def test_a_server_that_drops_the_system_message_is_flagged() -> None:
    target, server = checked("drops")
    assert target.system_prompt == "dropped"
    assert "drop" in target.system_prompt_note and "prompt tokens" in target.system_prompt_note
    with_system, without = server.bodies[-2:]
    assert [m["role"] for m in with_system["messages"]] == ["system", "user"]
    assert [m["role"] for m in without["messages"]] == ["user"]
    assert with_system["messages"][-1] == without["messages"][-1]  # the same user message
    assert with_system["max_tokens"] == 1 and "stream" not in with_system


def test_a_server_that_counts_the_system_message_receives_it() -> None:
    target, _ = checked("counts")
    assert target.system_prompt == "received"


def test_the_check_is_the_same_for_streaming_targets_and_own_system_prompts() -> None:
    target, server = checked("drops", stream=True, system_prompt="Be brief.")
    assert target.system_prompt == "dropped"
    assert all("stream" not in body for body in server.bodies)


def test_without_usage_a_code_word_probe_decides() -> None:
    obeys, server = checked("nousage-obeys")
    assert obeys.system_prompt == "received"
    assert "code word" in obeys.system_prompt_note
    assert len(server.bodies) == 3  # with, without, then one code-word request


def test_without_usage_an_inconclusive_probe_is_unverified_not_a_failure() -> None:
    target, _ = checked("nousage-drops")
    assert target.system_prompt == "unverified"
    assert "usage" in target.system_prompt_note


def test_a_failing_check_request_does_not_fail_the_preflight() -> None:
    target, _ = checked("404")
    assert target.system_prompt == "unverified"
    assert "404" in target.system_prompt_note


def test_python_targets_receive_and_recordings_are_unverified(tmp_path: Path) -> None:
    (tmp_path / "clr_sysprompt_target.py").write_text(
        "def answer(messages):\n    return 'ok'\n", encoding="utf-8"
    )
    write_jsonl(tmp_path / "rec.jsonl", [{"sample_id": "a", "text": "ok"}])
    from clearance.targets import TargetOptions

    options = TargetOptions(folder=tmp_path)
    python = build_target(
        PythonTarget(adapter="python", callable="clr_sysprompt_target:answer"), options
    )
    recorded = build_target(RecordedTarget(adapter="recorded", path="rec.jsonl"), options)
    for target in (python, recorded):
        asyncio.run(target.preflight())
    assert python.system_prompt == "received" and "messages list" in python.system_prompt_note
    assert recorded.system_prompt == "unverified"


@pytest.mark.parametrize(("mode", "expected"), [("drops", "dropped"), ("counts", "received")])
def test_the_eval_run_stores_the_flag(
    tmp_path: Path, store: Store, mode: str, expected: str
) -> None:
    write_jsonl(tmp_path / "data.jsonl", [{"id": "a", "input": "hi", "target": "The"}])

    async def go() -> list[RunSummary]:
        async with ChatServer(mode) as server:
            text = f"""
clearance: 1
system: {{name: t}}
targets:
  candidate: {{adapter: openai, base_url: "{server.url}", model: m}}
suites:
  - {{name: s, path: data.jsonl, scorer: {{kind: includes}}}}
"""
            policy = parse_policy(text, file=tmp_path / "clearance.yaml")
            return await aevaluate(policy, store, EvalConfig(concurrency=2))

    summaries = asyncio.run(go())
    with store.session() as session:
        (run,) = session.scalars(select(EvalRun)).all()
    assert run.config["system_prompt"] == expected
    warnings = system_prompt_warnings(store, summaries)
    if expected == "dropped":
        (line,) = warnings
        assert "candidate target 'm' drops the system message" in line
        assert "security and privacy" in line
    else:
        assert warnings == []


@pytest.mark.parametrize(
    ("with_system", "without", "expected"),
    [
        (15, 15, "dropped"),  # Gemma's format in llama.cpp: the system message is gone
        (19, 15, "dropped"),  # a role header without the text is not the message
        (82, 15, "received"),
        (60, 15, "received"),
    ],
)
def test_the_verdict_from_prompt_tokens(with_system: int, without: int, expected: str) -> None:
    verdict = system_prompt_by_usage(with_system, without, 60)
    assert verdict is not None and verdict[0] == expected


def test_fewer_tokens_with_a_system_message_cannot_decide() -> None:
    assert system_prompt_by_usage(12, 15, 60) is None

"""A local OpenAI-compatible server in a thread (for CLI subprocesses) and policies for it.

``mode`` picks the chat behaviour: ``ok``; ``serial`` (one request at a time, like a
llama.cpp server with one slot); ``404``; ``die_after`` (``ok`` for the first
``healthy`` chat requests, then 503 or a hang, per ``dead``); switch ``mode`` at run time.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from evalkit import serve_openai, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
CLI = [str(ROOT / ".venv/bin/clearance")]


class StubServer:
    def __init__(
        self, mode: str = "ok", *, delay_s: float = 0.0, healthy: int = 0, dead: str = "503"
    ) -> None:
        self.mode = mode
        self.delay_s = delay_s
        self.healthy = healthy
        self.dead = dead
        self.calls = 0
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._serial: asyncio.Lock | None = None
        self._closing: asyncio.Event | None = None
        self._runner: Any = None

    def __enter__(self) -> StubServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    def __exit__(self, *_: object) -> None:
        assert self._closing is not None
        self._loop.call_soon_threadsafe(self._closing.set)
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    async def _start(self) -> None:
        self._serial = asyncio.Lock()
        self._closing = asyncio.Event()
        self._runner, self.url = await serve_openai(self._models, self._chat)

    async def _models(self, request: Any) -> Any:
        from aiohttp import web

        return web.json_response({"data": [{"id": "m"}]})

    async def _chat(self, request: Any) -> Any:
        from aiohttp import web

        body = await request.json()
        self.calls += 1
        if self.mode == "404":
            return web.json_response({"error": "no such route"}, status=404)
        if self.mode == "die_after" and self.calls > self.healthy:
            if self.dead == "hang":
                assert self._closing is not None
                await self._closing.wait()
            return web.json_response({"error": "unavailable"}, status=503)
        if self.mode == "serial":
            assert self._serial is not None
            async with self._serial:
                await asyncio.sleep(self.delay_s)
        elif self.delay_s:
            await asyncio.sleep(self.delay_s)
        prompt = body["messages"][-1]["content"]
        return web.json_response(
            {
                "id": f"r{self.calls}",
                "choices": [{"message": {"role": "assistant", "content": f"echo: {prompt}"}}],
                "usage": {"prompt_tokens": 7, "completion_tokens": 3},
            }
        )


def http_policy(folder: Path, url: str, *, rows: int = 20, timeout_s: float = 5.0) -> Path:
    """A policy with one user suite of ``rows`` samples against the server at ``url``."""
    write_jsonl(
        folder / "data.jsonl",
        [{"id": f"s{i}", "input": f"say {i}", "target": f"say {i}"} for i in range(rows)],
    )
    path = folder / "clearance.yaml"
    path.write_text(
        f"""clearance: 1
system: {{name: runtime}}
targets:
  candidate: {{adapter: openai, base_url: "{url}", model: m, timeout_s: {timeout_s}}}
suites:
  - {{name: echo, path: data.jsonl, scorer: {{kind: includes}}}}
gates:
  capability:
    - {{metric: echo.pass_rate, min: 0.5}}
""",
        encoding="utf-8",
    )
    return path


def clearance(
    args: list[str], cwd: Path, *, timeout: float = 120.0
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the installed CLI with pipes; the result and its wall time in seconds."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    start = time.monotonic()
    done = subprocess.run(
        [*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    return done, time.monotonic() - start

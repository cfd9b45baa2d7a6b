"""Helpers shared by the eval-engine tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def arith_rows(count: int) -> list[dict[str, Any]]:
    return [
        {"id": f"s{i:04d}", "input": f"What is {i} + 1?", "target": str(i + 1)}
        for i in range(count)
    ]


async def serve_openai(models: Any, chat: Any) -> tuple[Any, str]:
    """Serve ``GET /v1/models`` and ``POST /v1/chat/completions`` with these handlers on
    a free loopback port: the runner (``await runner.cleanup()`` to stop) and the base URL."""
    from aiohttp import web

    app = web.Application()
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/v1"


class ScriptedServer:
    """A real OpenAI-compatible HTTP server on 127.0.0.1 (random port) whose answers follow
    a script: for each prompt, a list of actions for its successive attempts.

    Actions: ``ok`` (200 with usage), ``nousage`` (200 without usage), ``429`` (with
    ``Retry-After``), ``500``, ``slow`` (answers after 2 s), ``drop`` (closes the connection),
    ``400``. A prompt without a script, or past its script's end, gets ``ok``.
    """

    def __init__(
        self,
        script: dict[str, list[str]] | None = None,
        *,
        key: str | None = None,
        retry_after: str = "0",
    ) -> None:
        self.script = script or {}
        self.key = key
        self.retry_after = retry_after
        self.attempts: dict[str, int] = {}
        self.arrivals: dict[str, list[float]] = {}
        self.url = ""
        self._runner: Any = None

    async def __aenter__(self) -> ScriptedServer:
        self._runner, self.url = await serve_openai(self._models, self._chat)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._runner.cleanup()

    def _authorized(self, request: Any) -> bool:
        return self.key is None or request.headers.get("Authorization") == f"Bearer {self.key}"

    async def _models(self, request: Any) -> Any:
        from aiohttp import web

        if not self._authorized(request):
            return web.json_response({"error": "bad key"}, status=401)
        return web.json_response({"data": [{"id": "m"}]})

    async def _chat(self, request: Any) -> Any:
        import asyncio
        import time

        from aiohttp import web

        body = await request.json()
        prompt = body["messages"][-1]["content"]
        attempt = self.attempts.get(prompt, 0)
        self.attempts[prompt] = attempt + 1
        self.arrivals.setdefault(prompt, []).append(time.monotonic())
        steps = self.script.get(prompt, [])
        action = steps[attempt] if attempt < len(steps) else "ok"
        if not self._authorized(request):
            return web.json_response({"error": "bad key"}, status=403)
        if action == "429":
            return web.json_response(
                {"error": "slow down"}, status=429, headers={"Retry-After": self.retry_after}
            )
        if action in ("500", "400"):
            return web.json_response({"error": "boom"}, status=int(action))
        if action == "drop":
            request.transport.close()
            return web.Response(status=200)
        if action == "slow":
            await asyncio.sleep(2.0)
        if body.get("stream"):
            return await self._stream(request, prompt)
        usage = {"prompt_tokens": 7, "completion_tokens": 3}
        reply: dict[str, Any] = {
            "id": f"r-{prompt}-{attempt}",
            "choices": [{"message": {"role": "assistant", "content": f"echo: {prompt}"}}],
        }
        if action != "nousage":
            reply["usage"] = usage
        return web.json_response(reply)

    async def _stream(self, request: Any, prompt: str) -> Any:
        from aiohttp import web

        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        chunks = [
            {"id": "s1", "choices": [{"delta": {"content": "echo: "}}]},
            {"id": "s1", "choices": [{"delta": {"content": prompt}}]},
            {
                "id": "s1",
                "choices": [
                    {
                        "delta": {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": "c1",
                                    "function": {"name": "f", "arguments": '{"a":'},
                                }
                            ]
                        }
                    }
                ],
            },
            {
                "id": "s1",
                "choices": [
                    {"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}}
                ],
            },
            {"id": "s1", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}},
        ]
        for chunk in chunks:
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

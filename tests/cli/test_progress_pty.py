"""Progress of `clearance eval` and `clearance check` as a person and a CI log see it:
in a real pseudo-terminal (live bars) and through pipes (status lines), against a local
OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path

from runtimekit import CLI, StubServer, clearance, http_policy


def _in_pty(args: list[str], cwd: Path, timeout: float = 60.0) -> tuple[int, str]:
    """Run the CLI with stdin, stdout and stderr on a pseudo-terminal; exit code, output."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "160", "LINES": "40", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [*CLI, *args], cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=10)
    os.close(leader)
    return code, b"".join(chunks).decode(errors="replace")


def test_eval_and_check_draw_live_bars_in_a_terminal(tmp_path: Path) -> None:
    with StubServer(delay_s=0.01) as server:
        policy = http_policy(tmp_path, server.url, rows=30)
        db = f"sqlite:///{tmp_path / 'c.db'}"
        code, text = _in_pty(["eval", "-p", str(policy), "--db", db], tmp_path)
        assert code == 0, text
        assert "KeyError" not in text and "internal error" not in text
        assert "echo · candidate (m)" in text and "30/30" in text and "retries 0" in text
        assert "eval results" in text
        code, text = _in_pty(["check", "-p", str(policy), "--db", db, "--rerun"], tmp_path)
        assert code in (0, 1), text  # a decision (this policy's empty areas block it)
        assert "KeyError" not in text and "internal error" not in text
        assert "echo · candidate (m)" in text and "BLOCKED" in text and "30/30" in text


def test_piped_eval_prints_status_lines_and_reports_on_stdout(tmp_path: Path) -> None:
    with StubServer(delay_s=0.05) as server:
        policy = http_policy(tmp_path, server.url, rows=40)
        db = f"sqlite:///{tmp_path / 'c.db'}"
        args = ["eval", "-p", str(policy), "--db", db, "--status-interval", "0.2"]
        done, _ = clearance([*args, "--format", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("echo · candidate")]
    assert lines[0].startswith("echo · candidate (m): 0/40 (0%)")  # at the start
    assert len(lines) >= 3  # and at the interval while running
    assert ": 40/40 (100%)" in lines[-1] and "done" in lines[-1]  # and at the end
    (summary,) = json.loads(done.stdout)  # stdout holds the report only
    assert (summary["suite"], summary["done"], summary["errors"]) == ("echo", 40, 0)
    assert summary["retries"] == 0 and summary["queue_p95_ms"] is not None


def test_eval_table_goes_to_stdout(tmp_path: Path) -> None:
    with StubServer() as server:
        policy = http_policy(tmp_path, server.url, rows=3)
        done, _ = clearance(
            ["eval", "-p", str(policy), "--db", f"sqlite:///{tmp_path / 'c.db'}"], tmp_path
        )
    assert done.returncode == 0, done.stderr
    assert "eval results" in done.stdout and "eval results" not in done.stderr

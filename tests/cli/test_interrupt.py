"""Ctrl-C during a run: exit 130, finished samples kept, and a hint that says how to
continue; continuing sends only what was not finished."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from runtimekit import CLI, StubServer, clearance, http_policy


def _interrupt_after_progress(args: list[str], cwd: Path) -> tuple[int, str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [*CLI, *args],
        cwd=cwd,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen += line
        if "echo · candidate" in line and " 0/" not in line:
            break
    proc.send_signal(signal.SIGINT)
    _, more = proc.communicate(timeout=60)
    return proc.returncode, seen + more


@pytest.mark.parametrize("command", ["eval", "check"])
def test_ctrl_c_exits_130_with_a_resume_hint(tmp_path: Path, command: str) -> None:
    with StubServer(delay_s=0.05) as server:
        policy = http_policy(tmp_path, server.url, rows=200)
        db = f"sqlite:///{tmp_path / 'c.db'}"
        args = [command, "-p", str(policy), "--db", db, "--status-interval", "0.2"]
        code, said = _interrupt_after_progress(args, tmp_path)
        assert code == 130, said
        assert "interrupted" in said and f"clearance {command}" in said, said
        assert "Traceback" not in said
        calls = server.calls
        done, _ = clearance(["eval", "-p", str(policy), "--db", db, "--resume"], tmp_path)
        assert done.returncode == 0, done.stderr
        assert server.calls - calls < 200  # the finished samples were not sent again

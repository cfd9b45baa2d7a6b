"""What the browser tests share: ``clearance serve`` in a subprocess on a free loopback
port, Debian's Chromium driven by the playwright package (no downloaded browser), and
the checks every page must pass whatever its content (no sideways scrolling, every form
control labelled, every chart named)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def sync_api() -> Any:
    """playwright's sync API, or a skip naming what to install."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    return pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(policy: Path, db: str, folder: Path) -> Iterator[str]:
    """``clearance serve`` on ``db`` with ``policy``; yields its base URL."""
    port, log = free_port(), folder / "serve.log"
    cmd = [sys.executable, "-m", "clearance", "serve", "-p", str(policy), "--db", db]
    cmd += ["--port", str(port), "--no-access-log"]
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, proc, log)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):  # 30 s at most
        if proc.poll() is not None:
            pytest.fail(f"clearance serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"clearance serve did not come up: {log.read_text()[-2000:]}")


def assert_layout_holds(page: Any, where: str) -> None:
    """The page does not scroll sideways at the viewport's width; every visible form
    control has a label; every chart says what it shows."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{where}: the page scrolls sideways by {overflow}px"
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll('input,select,textarea'))
        .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
        .map(e => e.outerHTML.slice(0, 120))"""
    )
    assert not unlabelled, f"{where}: form controls without a label: {unlabelled}"
    unnamed = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg'))
        .filter(s => !s.getAttribute('aria-label')).length"""
    )
    assert unnamed == 0, f"{where}: {unnamed} chart(s) without an aria-label"

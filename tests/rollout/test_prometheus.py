"""The Prometheus provider against a real Prometheus server scraping a test exporter.

Needs the ``prometheus`` binary (Debian package ``prometheus``); skipped otherwise.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from clearance.policy import Trigger
from clearance.rollout import (
    Change,
    Controller,
    Monitor,
    PermissiveGuards,
    PrometheusProvider,
    Snapshot,
    advance,
    start,
    status,
)
from clearance.store import Store
from rollout.kit import add_release, make_policy

BINARY = shutil.which("prometheus")
pytestmark = pytest.mark.skipif(
    BINARY is None, reason="prometheus not installed (apt-get install prometheus)"
)


class Counters:
    """Per-arm counters the exporter serves in the Prometheus text format."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str, str], float] = {}
        self.lock = threading.Lock()

    def add(self, series: str, arm: str, value: float, le: str = "") -> None:
        with self.lock:
            key = (series, arm, le)
            self.values[key] = self.values.get(key, 0.0) + value

    def text(self) -> str:
        with self.lock:
            lines = []
            for (series, arm, le), value in sorted(self.values.items()):
                labels = f'release="bot@v2",arm="{arm}"' + (f',le="{le}"' if le else "")
                lines.append(f"{series}{{{labels}}} {value}")
            return "\n".join(lines) + "\n"

    def requests(self, arm: str, n: int, schema_fail: int, slow: int, cost: float) -> None:
        self.add("clearance_requests_total", arm, n)
        self.add("clearance_schema_ok_total", arm, n - schema_fail)
        self.add("clearance_latency_ms_bucket", arm, n - slow, le="2000.0")
        self.add("clearance_latency_ms_bucket", arm, n, le="+Inf")
        self.add("clearance_latency_ms_count", arm, n)
        self.add("clearance_cost_usd_count", arm, n)
        self.add("clearance_cost_usd_sum", arm, cost * n)
        self.add("clearance_cost_usd_sum_squares", arm, cost * cost * n * 1.01)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def exporter() -> Iterator[tuple[Counters, int]]:
    counters = Counters()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = counters.text().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield counters, server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def prometheus(tmp_path: Path, exporter: tuple[Counters, int]) -> Iterator[str]:
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: svc\n    static_configs: [{{targets: ['127.0.0.1:{exporter[1]}']}}]\n"
    )
    args = [
        str(BINARY),
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: urllib.request.urlopen(f"{url}/-/ready", timeout=1).status == 200, 30)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def wait_for(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


TRIGGERS = [
    Trigger(kind="schema_failure_rate", margin=0.1),
    Trigger(kind="latency_slo_breach", threshold=2000, margin=0.1),
    Trigger(kind="cost_spike", margin=0.5, relative=False, action="notify"),
]


def scraped(url: str, since: datetime, want: int) -> Snapshot:
    """The snapshot since ``since`` once Prometheus has scraped ``want`` candidate requests."""
    provider = PrometheusProvider(url)
    resolved = [t.resolved() for t in TRIGGERS]
    holder: list[Snapshot] = []

    def ready() -> bool:
        holder[:] = [provider.snapshot("bot@v2", resolved, since, datetime.now(UTC))]
        return holder[0].requests.get("candidate") == want

    wait_for(ready, 20)
    return holder[0]


def test_counts_per_arm_over_the_window_drive_a_rollback(
    prometheus: str, exporter: tuple[Counters, int], store: Store
) -> None:
    counters, _ = exporter
    counters.requests("candidate", 100, 2, 5, 0.001)
    counters.requests("control", 400, 8, 20, 0.001)
    scraped(prometheus, datetime.fromtimestamp(0, UTC), 100)  # before the window
    since = datetime.now(UTC)
    add_release(store, "bot@v2")
    policy = make_policy().model_copy(update={"triggers": TRIGGERS})
    guards = PermissiveGuards(store)
    start(store, policy, "bot@v2", guards, Change("alice", now=since))
    advance(store, policy, "bot@v2", guards, Change("alice", now=since))  # internal_dogfood
    time.sleep(1.2)
    counters.requests("candidate", 1_000, 300, 250, 0.002)
    counters.requests("control", 4_000, 80, 200, 0.001)
    snap = scraped(prometheus, since, 1_000)
    assert snap.requests == {"candidate": 1_000, "control": 4_000}  # only the window
    schema = snap.stats["schema_failure_rate"]
    assert (schema["candidate"].n, schema["candidate"].total) == (1_000, 300.0)
    assert (schema["control"].n, schema["control"].total) == (4_000, 80.0)
    latency = snap.stats["latency_slo_breach"]
    assert latency["candidate"].total == 250.0 and latency["control"].total == 200.0
    cost = snap.stats["cost_spike"]
    assert cost["candidate"].raw_total == pytest.approx(2.0)
    assert snap.units is None

    decision = Monitor(TRIGGERS, 0.05).load(snap)
    assert decision.action == "rollback"
    assert {f.trigger for f in decision.fired} >= {"schema_failure_rate", "latency_slo_breach"}

    controller = Controller(store, policy, guards, provider=PrometheusProvider(prometheus))
    assert controller.tick("bot@v2").action == "rollback"
    assert status(store, "bot@v2").status == "rolled_back"

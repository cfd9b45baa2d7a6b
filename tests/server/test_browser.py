"""End to end in a real browser: ``clearance serve`` in a subprocess on a free loopback
port, the bundled example checked over HTTP, then Debian's Chromium (driven by the
playwright package, no downloaded browser) signs in, opens the release, sees the
checklist, approves, finds the approval in the audit log, and watches the controller's
rollback appear on the rollout timeline. Screenshots go to the test's tmp dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from clearance import governance
from clearance.cli import run
from clearance.store import open_store
from server import browserkit
from server.browserkit import serve

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
STAGES = [
    {"stage": "canary", "weight": 0.1, "min_samples": 50},
    {"stage": "staged_rollout", "weight": 0.5, "approvals": ["approve_changes"]},
    {"stage": "full_rollout", "weight": 1.0},
]


@dataclass
class Server:
    url: str
    db: str
    tokens: dict[str, str]
    release: str = ""

    def call(self, method: str, path: str, who: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.request(method, self.url + path, headers=headers, timeout=120, **kwargs)


def _policy(folder: Path) -> Path:
    shutil.copytree(EXAMPLE, folder, dirs_exist_ok=True)
    data = yaml.safe_load((folder / "clearance.yaml").read_text())
    data["targets"]["candidate"]["callable"] = "assistant:v2_1"  # the fixed, cleared one
    data["targets"]["candidate"]["label"] = "v2.0.1"
    data["system"]["version"] = "2.0.1"  # the release is named system@version
    data["rollout"]["stages"] = STAGES
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("served")
    policy, db = _policy(folder / "example"), f"sqlite:///{folder / 'clearance.db'}"
    # The card must exist for the documentation area: write it as a user would, from a
    # recorded check.
    run(["check", "-p", str(policy), "--db", db, "--format", "json"])
    assert run(["card", "-p", str(policy), "--db", db]) == 0
    with open_store(db) as store:
        people = ("alice", "bob", "carol", "dave", "svc-gateway")  # the example's sender
        tokens = {n: governance.create_user(store, n) for n in people}
    with serve(policy, db, folder) as url:
        yield Server(url, db, tokens)


@pytest.fixture(scope="module")
def checked(server: Server) -> Server:
    """The example checked over HTTP by carol (own_evals), as CI would."""
    response = server.call("POST", "/v1/checks", "carol", json={})
    assert response.status_code == 201, response.text
    server.release = response.json()["release"]
    return server


def test_check_runs_over_http(checked: Server) -> None:
    assert checked.release == "northwind-support-assistant@2.0.1"
    body = checked.call("GET", f"/v1/releases/{checked.release}", "bob").json()
    assert body["status"] == "cleared", body["latest_check"]["report"]["reasons"]
    assert body["status"] == "cleared" and body["latest_check"]["report"]["decision"] == "cleared"
    assert checked.call("POST", "/v1/checks", "bob", json={}).status_code == 403


def test_serve_refuses_a_remote_host_without_allow_remote(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "clearance",
            "serve",
            "--host",
            "0.0.0.0",
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "not a loopback address" in result.stderr


def _bad_canary(server: Server) -> None:
    """Telemetry in which the candidate breaches the latency SLO, then a controller look."""
    now = time.time()
    events = [
        {
            "event_id": f"b{i}",
            "ts": now + i * 0.0005,
            "release": server.release,
            # the canary's 10% share: a 50/50 split is a sample-ratio mismatch, which
            # holds statistical triggers
            "arm": "candidate" if i % 10 == 0 else "control",
            "unit": f"u{i}",
            "latency_ms": 1500.0 if i % 10 == 0 else 120.0,
        }
        for i in range(1200)
    ]
    sent = server.call("POST", "/v1/events", "svc-gateway", json=events)
    assert sent.json()["accepted"] == 1200, sent.text
    time.sleep(max(0.0, now + 0.7 - time.time()))
    decision = server.call("POST", f"/v1/releases/{server.release}/rollout/tick", "dave")
    assert decision.json()["action"] == "rollback", decision.text


def test_sign_in_approve_and_watch_a_rollback(checked: Server, tmp_path: Path) -> None:
    sync_api = browserkit.sync_api()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(browserkit.CHROMIUM),
            args=browserkit.CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            _journey(browser.new_page(), checked, shots, sync_api.expect)
        finally:
            browser.close()
    assert len(list(shots.glob("*.png"))) == 5
    keep = os.environ.get("CLEARANCE_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in shots.glob("*.png"):
            shutil.copy(shot, Path(keep) / f"first-{shot.name}")


def _journey(page: Any, server: Server, shots: Path, expect: Any) -> None:
    page.set_default_timeout(15_000)
    page.goto(server.url + "/ui/releases")
    page.fill("#token", server.tokens["alice"])
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Releases")
    page.screenshot(path=str(shots / "1-releases.png"))
    page.click(f"text={server.release}")
    expect(page.locator("#checklist")).to_contain_text("harmful-refusal.refusal_rate")
    expect(page.locator("#decision")).to_have_text("cleared")
    page.screenshot(path=str(shots / "2-checklist.png"), full_page=True)
    page.click("#approve")
    expect(page.locator(".flash")).to_contain_text("Approved as approve_changes")
    expect(page.locator("tr.approval")).to_contain_text("alice")
    assert server.call(
        "POST", f"/v1/releases/{server.release}/approvals", "bob", json={}
    ).is_success
    started = server.call("POST", f"/v1/releases/{server.release}/rollout/start", "alice")
    assert started.status_code == 201, started.text
    page.reload()
    expect(page.locator("#rollout-status")).to_have_text("running")
    expect(page.locator("#rollback")).to_be_visible()
    page.screenshot(path=str(shots / "3-release.png"), full_page=True)
    _bad_canary(server)  # the page is not reloaded: its script refreshes the timeline
    stage_chart = page.locator('#timeline svg[aria-label^="rollout stages"]')
    expect(stage_chart.locator('[data-mark="rollback"]')).to_have_count(1, timeout=15_000)
    expect(page.locator("#rollout-status")).to_have_text("rolled_back")
    page.locator("#rollout").screenshot(path=str(shots / "4-rollback.png"))
    page.click("text=Audit log")
    expect(page.locator("#verify")).to_contain_text("Intact")
    expect(page.locator("table.audit")).to_contain_text("approval.granted")
    expect(page.locator("table.audit")).to_contain_text("rollout.rolled_back")
    page.screenshot(path=str(shots / "5-audit.png"), full_page=True)

"""A release manager's walk through the dashboard, in Debian's Chromium, on the store the
real ``clearance demo`` leaves: its blocked v2.0.0 and its v2.0.1 rolled back at the
canary on a simulated clock; then a v2.0.2 checked by the real CLI, approved in the
browser, started and advanced stage by stage from the page (each skip of a stage's
minimums confirmed in a dialog), and rolled back by the monitor while the page watches,
without a reload. Every page is also looked at on a phone-width screen.

The screenshots are saved in the test's tmp dir (and copied to
``$CLEARANCE_KEEP_SCREENSHOTS`` when set); the names say what each shows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from clearance import governance
from clearance.store import open_store
from server.browserkit import CHROMIUM, CHROMIUM_ARGS, PHONE, WIDE, assert_layout_holds, serve
from server.browserkit import sync_api as _sync_api

pytestmark = pytest.mark.slow

SYSTEM = "northwind-support-assistant"
BLOCKED, ROLLED_BACK, FRESH = f"{SYSTEM}@2.0.0", f"{SYSTEM}@2.0.1", f"{SYSTEM}@2.0.2"
PEOPLE = ("alice", "bob", "carol", "dave", "svc-gateway")


@dataclass
class Site:
    url: str
    tokens: dict[str, str]
    shots: Path
    taken: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, who: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.request(method, self.url + path, headers=headers, timeout=120, **kwargs)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "clearance", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1"},
    )


def _fresh_policy(workdir: Path) -> Path:
    """The demo's fixed policy as version 2.0.2 (the same cleared candidate)."""
    data = yaml.safe_load((workdir / "clearance.v2.0.1.yaml").read_text())
    data["system"]["version"] = "2.0.2"
    data["targets"]["candidate"]["label"] = "v2.0.2"
    path = workdir / "clearance.v2.0.2.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _sync_api()
    folder = tmp_path_factory.mktemp("journey")
    demo = _cli("demo", "--out", str(folder / "demo"), "--no-local-model", cwd=folder)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    db = f"sqlite:///{folder / 'demo' / 'clearance.db'}"
    policy = _fresh_policy(folder / "demo" / "support-assistant")
    checked_by_ci = ("check", "--as", "ci")  # ci records it: the owners may approve
    for step in (checked_by_ci, ("card",), checked_by_ci):  # the card is evidence too
        done = _cli(*step, "-p", str(policy), "--db", db, cwd=folder)
        assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    with open_store(db) as store:
        tokens = {name: governance.create_user(store, name) for name in PEOPLE}
    shots = folder / "screenshots"
    shots.mkdir()
    with serve(policy, db, folder) as url:
        yield Site(url, tokens, shots)
    keep = os.environ.get("CLEARANCE_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in shots.glob("*.png"):
            shutil.copy(shot, Path(keep) / shot.name)


def test_check_to_rollback_in_the_browser(site: Site) -> None:
    api = _sync_api()
    with api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport=WIDE)
            page = context.new_page()
            page.set_default_timeout(20_000)
            _walk(page, site, api.expect)
            phone = browser.new_context(viewport=PHONE)
            _on_a_phone(phone.new_page(), site, context.cookies())
        finally:
            browser.close()
    assert len(site.taken) == len(set(site.taken)) >= 12, site.taken


def _shot(page: Any, site: Site, name: str, selector: str | None = None) -> None:
    path = str(site.shots / f"{len(site.taken) + 1:02d}-{name}.png")
    if selector:
        page.locator(selector).screenshot(path=path)
    else:
        page.screenshot(path=path, full_page=True)
    site.taken.append(name)


def _walk(page: Any, site: Site, expect: Any) -> None:
    page.goto(site.url + "/ui")
    page.fill("#token", site.tokens["alice"])
    page.click("button[type=submit]")
    _releases(page, site, expect)
    _demo_rollback(page, site, expect)
    _samples(page, site, expect)
    _approvals(page, site, expect)
    _staged_rollout(page, site, expect)
    _live_rollback(page, site, expect)
    _audit(page, site, expect)


def _row(page: Any, release: str) -> Any:
    return page.locator("tr", has=page.locator(f'a:text-is("{release}")'))


def _releases(page: Any, site: Site, expect: Any) -> None:
    expect(page.locator("h1")).to_have_text("Releases")
    rolled = _row(page, ROLLED_BACK)
    expect(rolled).to_contain_text("cleared")
    expect(rolled).to_contain_text("rolled_back")
    expect(rolled).to_contain_text("canary")
    expect(rolled).to_contain_text("0%")
    expect(_row(page, BLOCKED)).to_contain_text("blocked")
    expect(_row(page, FRESH)).to_contain_text("not started")
    expect(page.locator("body")).not_to_contain_text("__rollback_drill__")
    assert_layout_holds(page, "releases")
    _shot(page, site, "releases-one-row-per-release-with-its-rollout")


def _demo_rollback(page: Any, site: Site, expect: Any) -> None:
    page.click(f'a:text-is("{ROLLED_BACK}")')
    rollout = page.locator("#rollout")
    expect(page.locator("#rollout-status")).to_have_text("rolled_back")
    expect(rollout.locator('li[data-stage="canary"]')).to_have_attribute(
        "data-state", "rolled_back"
    )
    expect(rollout.locator('li[data-stage="internal_dogfood"]')).to_have_attribute(
        "data-state", "done"
    )
    fired = rollout.locator('#triggers tr[data-trigger="latency_slo_breach"]')
    expect(fired).to_contain_text("fired")
    expect(rollout).to_contain_text("rolled back in 'canary': FIRED latency_slo_breach")
    _assert_on_one_clock(page)
    assert_layout_holds(page, "demo release")
    _shot(page, site, "demo-canary-rolled-back-by-the-latency-trigger", "#rollout")


def _assert_on_one_clock(page: Any) -> None:
    """The rollback mark sits inside the chart, at the end of the rolled-back stage."""
    chart = page.locator('#timeline svg[aria-label^="rollout stages"]')
    mark = float(chart.locator('[data-mark="rollback"] line').first.get_attribute("x1"))
    last = chart.locator("g.stage rect").last
    end = float(last.get_attribute("x")) + float(last.get_attribute("width"))
    assert abs(mark - end) < 2, (mark, end)


def _samples(page: Any, site: Site, expect: Any) -> None:
    page.goto(f"{site.url}/ui/releases/{BLOCKED}")
    expect(page.locator("#decision")).to_have_text("blocked")
    link = page.locator('#checklist a[href*="/samples?"][href*="filter=failing"]').first
    link.click()
    expect(page.locator("h1")).to_contain_text("Samples of")
    table = page.locator("table.samples")
    expect(table.locator("thead")).to_contain_text("candidate")
    expect(table.locator("thead")).to_contain_text("baseline")
    expect(page.locator("#pick-filter")).to_have_value("failing")
    assert table.locator("tbody tr").count() > 0
    assert_layout_holds(page, "samples")
    _shot(page, site, "samples-failing-candidate-beside-baseline")


def _approvals(page: Any, site: Site, expect: Any) -> None:
    page.goto(f"{site.url}/ui/releases/{FRESH}")
    expect(page.locator("#decision")).to_have_text("cleared")
    expect(page.locator("#rollout-status")).to_have_text("not started")
    expect(page.locator("#next")).to_contain_text("approval missing")
    page.click("#approve")
    expect(page.locator(".flash")).to_contain_text("Approved as approve_changes")
    expect(page.locator("tr.approval")).to_contain_text("alice")
    for who, role in (("bob", "approve_changes"), ("carol", "own_evals")):
        given = site.call("POST", f"/v1/releases/{FRESH}/approvals", who, json={"role": role})
        assert given.status_code == 201, given.text
    page.reload()
    expect(page.locator("#approvals")).to_contain_text("All required approvals are in")
    _shot(page, site, "approvals-given-and-bound-to-the-evidence", "#approvals")


def _press(page: Any, expect: Any, button: str, done: str, dialog: str | None = None) -> None:
    if dialog:
        page.once("dialog", lambda d: d.accept() if dialog == "accept" else d.dismiss())
    page.click(button)
    if dialog != "dismiss":
        expect(page.locator(".flash")).to_contain_text(done)


def _staged_rollout(page: Any, site: Site, expect: Any) -> None:
    _press(page, expect, "#rollout-start", "Rollout: start done.")
    expect(page.locator("#rollout-stage")).to_have_text("offline_evals")
    _press(page, expect, "#rollout-advance", "Rollout: advance done.")
    expect(page.locator("#rollout-stage")).to_have_text("internal_dogfood")
    force = page.locator("#rollout-advance")
    expect(force).to_have_text("Force advance to canary")
    expect(page.locator("#progress")).to_contain_text("of 100 requests on the smaller arm")
    _shot(page, site, "dogfood-progress-next-step-and-the-offered-actions", "#rollout")
    _press(page, expect, "#rollout-advance", "", dialog="dismiss")  # asked, declined
    expect(page.locator("#rollout-stage")).to_have_text("internal_dogfood")
    _press(page, expect, "#rollout-advance", "Rollout: advance done.", dialog="accept")
    expect(page.locator("#rollout-stage")).to_have_text("canary")
    _press(page, expect, "#rollout-advance", "Rollout: advance done.", dialog="accept")
    expect(page.locator("#rollout-stage")).to_have_text("staged_rollout")
    expect(page.locator("#rollout-weight")).to_have_text("50%")
    for stage in ("offline_evals", "internal_dogfood", "canary"):
        expect(page.locator(f'#stages li[data-stage="{stage}"]')).to_have_attribute(
            "data-state", "done"
        )
    expect(page.locator('#stages li[data-stage="canary"]')).to_contain_text("forced")
    assert_layout_holds(page, "staged rollout")
    _shot(page, site, "staged-rollout-at-half-the-traffic", "#rollout")


def _bad_traffic(site: Site) -> None:
    """Half the traffic on a candidate three times over the 800 ms SLO, then a look."""
    now = time.time()
    events = [
        {
            "event_id": f"j{i}",
            "ts": now + i * 0.0005,  # after the stage began
            "release": FRESH,
            "arm": "candidate" if i % 2 == 0 else "control",
            "unit": f"u{i}",
            "latency_ms": 2400.0 if i % 2 == 0 else 300.0,
        }
        for i in range(1200)
    ]
    sent = site.call("POST", "/v1/events", "svc-gateway", json=events)
    assert sent.json()["accepted"] == 1200, sent.text
    time.sleep(max(0.0, now + 0.7 - time.time()))  # the look sees every event
    look = site.call("POST", f"/v1/releases/{FRESH}/rollout/tick", "dave")
    assert look.json()["action"] == "rollback", json.dumps(look.json())[:2000]


def _live_rollback(page: Any, site: Site, expect: Any) -> None:
    page.once("dialog", lambda d: d.dismiss())  # the Roll back button asks first
    page.click("#rollback")
    expect(page.locator("#rollout-status")).to_have_text("running")
    page.locator("main > h1").click()  # nothing focused in the section: the refresh may run
    _bad_traffic(site)  # no reload: the section refreshes itself
    expect(page.locator("#rollout-status")).to_have_text("rolled_back", timeout=20_000)
    expect(page.locator('#stages li[data-stage="staged_rollout"]')).to_have_attribute(
        "data-state", "rolled_back"
    )
    expect(page.locator('#triggers tr[data-trigger="latency_slo_breach"]')).to_contain_text("fired")
    expect(page.locator("#rollback")).to_have_count(0)
    _assert_on_one_clock(page)
    _shot(page, site, "staged-rollout-rolled-back-live-by-the-monitor", "#rollout")


def _audit(page: Any, site: Site, expect: Any) -> None:
    page.click("text=Audit log")
    expect(page.locator("#verify")).to_contain_text("Intact")
    page.select_option("select[name=action]", "rollout.")
    page.locator("#filters button[type=submit]").click()
    table = page.locator("table.audit")
    expect(table).to_contain_text("rollout.rolled_back")
    expect(table).to_contain_text("rollout.advanced")
    expect(table).not_to_contain_text("approval.granted")
    link = table.locator(f'a[href="/ui/releases/{FRESH}#rollout"]').first
    expect(link).to_be_visible()
    assert_layout_holds(page, "audit")
    _shot(page, site, "audit-rollout-entries-verified")


def _on_a_phone(page: Any, site: Site, cookies: list[Any]) -> None:
    page.context.add_cookies(cookies)
    page.set_default_timeout(20_000)
    pages = {
        "releases": "/ui/releases",
        "release": f"/ui/releases/{FRESH}",
        "samples": f"/ui/releases/{BLOCKED}/samples?filter=failing",
        "audit": "/ui/audit",
    }
    for name, path in pages.items():
        page.goto(site.url + path)
        assert_layout_holds(page, f"{name} on a phone")
        _shot(page, site, f"phone-{name}")

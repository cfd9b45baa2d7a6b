"""Every dashboard page rendered with hostile strings in every field a user can write,
opened in Debian's Chromium: no element, refresh or form appears that the templates did
not put there. The strings go in where attackers put them: a release name, a waiver
reason, an incident title, a rollback reason, an approver's name, the audit log, the
``?msg=``/``?error=`` parameters and the sign-in page's ``?next=``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml

from clearance import governance
from clearance.policy import Policy, load_policy
from clearance.rollout import Change, rollback, start
from clearance.server import create_app
from clearance.store import Store
from server.serverkit import SECRET, policy_data, record_check, serving

CHROMIUM = Path("/usr/bin/chromium")
MARK = "data-hostile"
PAYLOADS = [
    f'<b {MARK}="b">bold</b>',
    f'"><form {MARK}="form" action="/ui/releases/x/approve"><button>ok</button></form>',
    f'\'><meta {MARK}="meta" http-equiv="refresh" content="0;url=http://127.0.0.1:9/">',
    f'<img {MARK}="img" src="data:," alt="x">',
    f'<table><tr {MARK}="tr"><td>fake audit row</td></tr></table>',
    f'</textarea></title></script><i {MARK}="i">',
]
EVIL = "".join(PAYLOADS)
NAME = f'bot@v2"><b {MARK}="name">x<i {MARK}=\'q\'>'
"""A release name may not hold '/' (so no closing tags), but quotes and brackets it may."""


@pytest.fixture
def hostile(sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Policy:
    """A store in which every user-writable field holds the payloads."""
    monkeypatch.setenv("SERVER_TEST_KEY", SECRET)
    path = tmp_path / "clearance.yaml"
    path.write_text(yaml.safe_dump(policy_data(), sort_keys=False))
    policy = load_policy(path)
    store = sqlite_store
    record_check(store, policy)  # one ordinary release beside the hostile one
    record_check(store, policy, f"carol{EVIL}", release=NAME, fingerprint="fp")
    governance.waive(store, policy, NAME, "capability", "erin", f"because {EVIL}", "14d")
    governance.open_incident(store, policy, NAME, "critical", f"incident {EVIL}", f"rita{EVIL}")
    governance.open_incident(store, policy, NAME, "low", f"note {EVIL}", "mallory")
    from clearance.rollout import PermissiveGuards

    start(store, policy, NAME, PermissiveGuards(store), Change(f"alice{EVIL}", [f"go {EVIL}"]))
    rollback(store, NAME, Change("rita", [f"rolled back {EVIL}"]))
    return policy


@pytest.fixture
def served(sqlite_store: Store, hostile: Policy) -> Iterator[str]:
    with serving(create_app(store=sqlite_store, policy=hostile)) as base:
        yield base


def _pages(base: str) -> list[str]:
    name = quote(NAME, safe="@")
    evil = quote(EVIL)
    return [
        f"{base}/ui/releases",
        f"{base}/ui/releases/{name}",
        f"{base}/ui/releases/{name}?msg={evil}&error={evil}&sig=0",
        f"{base}/ui/releases/{name}/timeline",
        f"{base}/ui/releases/{name}/report",
        f"{base}/ui/releases/{name}/samples",
        f"{base}/ui/releases/{name}/samples?suite={evil}&filter={evil}&category={evil}&q={evil}",
        f"{base}/ui/releases?q={evil}&decision={evil}&rollout={evil}&sort={evil}",
        f"{base}/ui/audit",
        f"{base}/ui/audit?actor={evil}&action={evil}&subject={evil}&q={evil}&from={evil}",
    ]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_no_page_renders_markup_from_user_input(
    served: str, sqlite_store: Store, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    token = governance.create_user(sqlite_store, "alice")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
            headless=True,
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            _sign_in(page, served, token, EVIL)
            for url in _pages(served):
                _assert_clean(page, url)
            _assert_refused_action_is_escaped(page, served)
        finally:
            browser.close()


def _sign_in(page: Any, base: str, token: str, evil_next: str) -> None:
    page.goto(f"{base}/login?next={quote('/ui/releases' + evil_next)}")
    _assert_no_hostile(page, "sign-in page")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/ui/**")


def _assert_clean(page: Any, url: str) -> None:
    response = page.goto(url)
    # a hostile filter value may be refused (400) or name no suite (404): never a 500
    expected = (200, 400, 404) if "/samples?" in url else (200,)
    assert response.status in expected, f"{url}: {response.status}"
    page.wait_for_timeout(300)  # a meta refresh of 0 s would have fired by now
    assert page.url.startswith(url.split("?")[0].split("/ui/")[0]), f"navigated off: {page.url}"
    _assert_no_hostile(page, url)


def _assert_no_hostile(page: Any, where: str) -> None:
    found = page.eval_on_selector_all(f"[{MARK}]", "els => els.map(e => e.outerHTML)")
    assert found == [], f"{where}: elements from user input: {found}"
    refresh = page.eval_on_selector_all("meta[http-equiv]", "els => els.length")
    assert refresh == 0, f"{where}: a meta refresh"
    actions = page.eval_on_selector_all(
        "form", "els => els.map(e => e.getAttribute('action') || '')"
    )
    assert all("/ui/releases/x/" not in a for a in actions), f"{where}: injected form {actions}"


def _assert_refused_action_is_escaped(page: Any, base: str) -> None:
    """A message the server signed for this session (as after a refused action, whose
    text names the hostile release) is shown, escaped."""
    from clearance.server import Principal
    from clearance.server.web.pages import _flash_sig

    secret = next(c["value"] for c in page.context.cookies() if c["name"] == "clearance_session")
    who = Principal("alice", (), secret)
    sig = _flash_sig(who, EVIL, EVIL)
    query = f"msg={quote(EVIL)}&error={quote(EVIL)}&sig={sig}"
    page.goto(f"{base}/ui/releases/{quote(NAME, safe='@')}?{query}")
    assert page.locator(".error").count() == 1
    assert page.locator(".flash").count() == 1
    assert "fake audit row" in page.locator(".error").inner_text()
    _assert_no_hostile(page, "a signed message")


def test_a_release_name_that_cannot_be_a_path_segment_is_refused(hostile: Policy) -> None:
    from clearance.errors import UsageError
    from clearance.release import check_release_name

    for bad in ("bot@v2/../x", "bot\\v2", "bot@v2\x1b[31m", "", "x" * 201):
        with pytest.raises(UsageError, match="not usable"):
            check_release_name(bad)
    assert check_release_name(NAME) == NAME

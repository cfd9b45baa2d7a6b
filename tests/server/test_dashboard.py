"""The dashboard over TestClient: sign-in, cookie flags, CSRF, who sees which button."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from clearance.server import csrf_token


def _login(client: TestClient, token: str) -> None:
    response = client.post(
        "/login", data={"token": token, "next": "/ui/releases"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/ui/releases"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match
    return match.group(1)


def test_pages_redirect_to_login(client: TestClient, released: str) -> None:
    for path in ("/ui/releases", f"/ui/releases/{released}", "/ui/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_login_sets_a_strict_httponly_cookie(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post("/login", data={"token": tokens["alice"]}, follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    bad = client.post("/login", data={"token": "clr_wrong"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.text


def test_login_never_redirects_off_site(client: TestClient, tokens: dict[str, str]) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/ui/\\evil"):
        response = client.post(
            "/login", data={"token": tokens["alice"], "next": target}, follow_redirects=False
        )
        assert response.headers["location"] == "/ui/releases"


def test_release_page_shows_checklist_and_approve_button(
    client: TestClient, released: str, tokens: dict[str, str]
) -> None:
    _login(client, tokens["alice"])
    listing = client.get("/ui/releases")
    assert released in listing.text and 'class="badge cleared"' in listing.text
    page = client.get(f"/ui/releases/{released}")
    assert page.status_code == 200
    assert "harmful-refusal.refusal_rate" in page.text and 'id="approve"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert _csrf(page.text) == csrf_token(tokens["alice"])


def test_author_and_outsider_see_no_approve_button(
    client: TestClient, released: str, tokens: dict[str, str]
) -> None:
    for who in ("carol", "mallory"):  # carol recorded the check; mallory holds no duty
        _login(client, tokens[who])
        assert 'id="approve"' not in client.get(f"/ui/releases/{released}").text


def test_approve_form_needs_the_csrf_token(
    client: TestClient, released: str, tokens: dict[str, str], as_: Any
) -> None:
    _login(client, tokens["alice"])
    forged = client.post(f"/ui/releases/{released}/approve", data={"csrf": "0" * 40})
    assert forged.status_code == 403
    cross = client.post(
        f"/ui/releases/{released}/approve",
        data={"csrf": csrf_token(tokens["alice"])},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert (
        client.get(f"/v1/releases/{released}/approvals", headers=as_("bob")).json()["approvals"]
        == []
    )
    done = client.post(
        f"/ui/releases/{released}/approve", data={"csrf": csrf_token(tokens["alice"])}
    )
    assert done.status_code == 200 and "Approved as approve_changes" in done.text
    assert "alice" in done.text
    audit = client.get("/ui/audit")
    assert "approval.granted" in audit.text and 'class="verify ok"' in audit.text


def test_refused_action_is_shown_on_the_page(
    client: TestClient, released: str, tokens: dict[str, str]
) -> None:
    _login(client, tokens["mallory"])
    page = client.post(
        f"/ui/releases/{released}/approve", data={"csrf": csrf_token(tokens["mallory"])}
    )
    assert 'role="alert"' in page.text and "mallory may not approve" in page.text


def test_card_and_full_report_render(
    client: TestClient, released: str, tokens: dict[str, str], secret: str
) -> None:
    _login(client, tokens["mallory"])
    page = client.get(f"/ui/releases/{released}").text
    assert "Intended use" in page and secret not in page
    report = client.get(f"/ui/releases/{released}/report")
    assert report.status_code == 200 and "<svg" in report.text


def test_logout_clears_the_session(client: TestClient, tokens: dict[str, str]) -> None:
    _login(client, tokens["bob"])
    client.post("/logout", data={"csrf": csrf_token(tokens["bob"])})
    assert client.get("/ui/releases", follow_redirects=False).status_code == 303


def test_rollback_button_and_timeline(
    client: TestClient, released: str, tokens: dict[str, str], as_: Any
) -> None:
    client.post(f"/v1/releases/{released}/rollout/start", headers=as_("alice"))
    _login(client, tokens["mallory"])
    assert 'id="rollback"' not in client.get(f"/ui/releases/{released}").text
    denied = client.post(
        f"/ui/releases/{released}/rollback", data={"csrf": csrf_token(tokens["mallory"])}
    )
    assert "may not do this" in denied.text
    _login(client, tokens["rita"])
    page = client.get(f"/ui/releases/{released}").text
    assert 'id="rollback"' in page and 'data-stage="canary"' in page
    done = client.post(
        f"/ui/releases/{released}/rollback",
        data={"csrf": csrf_token(tokens["rita"]), "reason": "checkout broke"},
    )
    assert "Rolled back." in done.text
    fragment = client.get(f"/ui/releases/{released}/timeline").text
    assert 'data-mark="rollback"' in fragment and "checkout broke" in fragment
    assert 'id="rollout-status">rolled_back' in fragment


def test_rollout_buttons_walk_a_release_to_full_rollout(
    client: TestClient, released: str, tokens: dict[str, str], as_: Any
) -> None:
    def press(who: str, step: str) -> str:
        response = client.post(
            f"/ui/releases/{released}/rollout/{step}", data={"csrf": csrf_token(tokens[who])}
        )
        match = re.search(r'class="(?:flash|msg|error)[^"]*"[^>]*>([^<]*)<', response.text)
        return (match.group(1) if match else "") + response.text

    _login(client, tokens["mallory"])
    assert 'id="rollout-start"' not in client.get(f"/ui/releases/{released}").text
    assert "may not do this" in press("mallory", "start")
    _login(client, tokens["alice"])
    assert 'id="rollout-start"' in client.get(f"/ui/releases/{released}").text
    assert "Rollout: start done." in press("alice", "start")
    page = press("alice", "pause")
    assert "Rollout: pause done." in page and 'id="rollout-resume"' in page
    assert "Rollout: resume done." in press("alice", "resume")
    refused = press("alice", "advance")  # staged_rollout needs two approvals
    assert "approval missing" in refused
    for person in ("alice", "bob"):
        given = client.post(
            f"/v1/releases/{released}/approvals",
            json={"role": "approve_changes"},
            headers=as_(person),
        )
        assert given.status_code == 201, given.text
    assert "Rollout: advance done." in press("alice", "advance")
    assert "Rollout: advance done." in press("alice", "advance")
    fragment = client.get(f"/ui/releases/{released}/timeline").text
    assert 'id="rollout-status">completed' in fragment
    assert "unknown rollout step" in press("alice", "explode")

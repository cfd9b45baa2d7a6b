"""The dashboard over TestClient: sign-in, cookie flags, CSRF, who sees which button."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from clearance.server import csrf_token


def _nonce(client: TestClient) -> str:
    """Open the sign-in form (which sets its nonce cookie) and return the form's nonce."""
    match = re.search(r'name="nonce" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def _sign_in(client: TestClient, token: str, **form: str) -> Any:
    data = {"token": token, "nonce": _nonce(client), **form}
    return client.post("/login", data=data, follow_redirects=False)


def _login(client: TestClient, token: str) -> None:
    response = _sign_in(client, token, next="/ui/releases")
    assert response.status_code == 303 and response.headers["location"] == "/ui/releases"


def _session_csrf(client: TestClient) -> str:
    """The CSRF token of the session the client is signed in with."""
    return csrf_token(client.cookies["clearance_session"])


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match
    return match.group(1)


def test_pages_redirect_to_login(client: TestClient, released: str) -> None:
    for path in ("/ui/releases", f"/ui/releases/{released}", "/ui/audit"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_login_sets_a_strict_httponly_cookie(client: TestClient, tokens: dict[str, str]) -> None:
    response = _sign_in(client, tokens["alice"])
    cookie = next(
        c.lower() for c in response.headers.get_list("set-cookie") if "clearance_session" in c
    )
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert tokens["alice"] not in cookie  # the session is not the API token
    bad = _sign_in(client, "clr_wrong")
    assert bad.status_code == 401 and "unknown or revoked" in bad.text


def test_login_never_redirects_off_site(client: TestClient, tokens: dict[str, str]) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/ui/\\evil"):
        response = _sign_in(client, tokens["alice"], next=target)
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
    assert _csrf(page.text) == csrf_token(client.cookies["clearance_session"])


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
        data={"csrf": _session_csrf(client)},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403
    assert (
        client.get(f"/v1/releases/{released}/approvals", headers=as_("bob")).json()["approvals"]
        == []
    )
    done = client.post(f"/ui/releases/{released}/approve", data={"csrf": _session_csrf(client)})
    assert done.status_code == 200 and "Approved as approve_changes" in done.text
    assert "alice" in done.text
    audit = client.get("/ui/audit")
    assert "approval.granted" in audit.text and 'class="verify ok"' in audit.text


def test_refused_action_is_shown_on_the_page(
    client: TestClient, released: str, tokens: dict[str, str]
) -> None:
    _login(client, tokens["mallory"])
    page = client.post(f"/ui/releases/{released}/approve", data={"csrf": _session_csrf(client)})
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
    client.post("/logout", data={"csrf": _session_csrf(client)})
    assert client.get("/ui/releases", follow_redirects=False).status_code == 303


def test_a_session_cannot_outlive_logout(client: TestClient, tokens: dict[str, str]) -> None:
    """The stolen cookie of a session that logged out is refused (it used to be the API
    token itself, which logout could not invalidate)."""
    _login(client, tokens["bob"])
    stolen = client.cookies["clearance_session"]
    csrf = _session_csrf(client)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.set("clearance_session", stolen)
    replay = client.get("/ui/releases", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


def test_the_api_token_is_not_a_session(client: TestClient, tokens: dict[str, str]) -> None:
    client.cookies.set("clearance_session", tokens["alice"])
    assert client.get("/ui/releases", follow_redirects=False).status_code == 303


def test_a_session_expires(
    client: TestClient, tokens: dict[str, str], store: Any, monkeypatch: Any
) -> None:
    from clearance import governance

    started = governance.start_session(store, tokens["alice"], seconds=0.5)
    assert started is not None and governance.session_user(store, started[1]) == "alice"
    import time

    time.sleep(0.6)
    assert governance.session_user(store, started[1]) is None
    client.cookies.set("clearance_session", started[1])
    assert client.get("/ui/releases", follow_redirects=False).status_code == 303


def test_revoking_the_user_ends_their_sessions(
    client: TestClient, tokens: dict[str, str], store: Any
) -> None:
    from clearance import governance

    _login(client, tokens["carol"])
    assert client.get("/ui/releases", follow_redirects=False).status_code == 200
    governance.revoke_user(store, "carol")
    assert client.get("/ui/releases", follow_redirects=False).status_code == 303


def test_login_csrf_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    """Another site cannot sign the victim's browser in as the attacker: a sign-in post
    without the form's nonce cookie, or from another origin, starts no session."""
    forged = client.post(
        "/login", data={"token": tokens["mallory"], "nonce": "x" * 20}, follow_redirects=False
    )
    assert forged.status_code == 403 and "clearance_session" not in client.cookies
    nonce = _nonce(client)
    cross = client.post(
        "/login",
        data={"token": tokens["mallory"], "nonce": nonce},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403 and "clearance_session" not in client.cookies


def test_flash_messages_come_only_from_the_server(
    client: TestClient, released: str, tokens: dict[str, str]
) -> None:
    """``?msg=`` from a link someone else wrote is not shown: only messages the server
    signed for this session after an action."""
    _login(client, tokens["alice"])
    page = client.get(f"/ui/releases/{released}", params={"msg": "Approved by the CISO"}).text
    assert "Approved by the CISO" not in page
    page = client.get(f"/ui/releases/{released}", params={"error": "call +1 555 0100"}).text
    assert "555 0100" not in page


def test_rollback_button_and_timeline(
    client: TestClient, released: str, tokens: dict[str, str], as_: Any
) -> None:
    client.post(f"/v1/releases/{released}/rollout/start", headers=as_("alice"))
    _login(client, tokens["mallory"])
    assert 'id="rollback"' not in client.get(f"/ui/releases/{released}").text
    denied = client.post(f"/ui/releases/{released}/rollback", data={"csrf": _session_csrf(client)})
    assert "mallory may not roll back the rollout" in denied.text
    _login(client, tokens["rita"])
    page = client.get(f"/ui/releases/{released}").text
    assert 'id="rollback"' in page and 'data-stage="canary"' in page
    done = client.post(
        f"/ui/releases/{released}/rollback",
        data={"csrf": _session_csrf(client), "reason": "checkout broke"},
    )
    assert "Rolled back." in done.text
    fragment = client.get(f"/ui/releases/{released}/timeline").text
    assert 'data-mark="rollback"' in fragment and "checkout broke" in fragment
    assert 'id="rollout-status">rolled_back' in fragment


def test_rollout_buttons_walk_a_release_to_full_rollout(
    client: TestClient, released: str, tokens: dict[str, str], as_: Any
) -> None:
    def press(who: str, step: str, **form: str) -> str:
        response = client.post(
            f"/ui/releases/{released}/rollout/{step}",
            data={"csrf": _session_csrf(client), **form},
        )
        match = re.search(r'class="(?:flash|msg|error)[^"]*"[^>]*>([^<]*)<', response.text)
        return (match.group(1) if match else "") + response.text

    _login(client, tokens["mallory"])
    assert 'id="rollout-start"' not in client.get(f"/ui/releases/{released}").text
    assert "mallory may not start the rollout" in press("mallory", "start")
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
    assert "Rollout: advance done." in press("alice", "advance", force="true")  # no telemetry
    assert "Rollout: advance done." in press("alice", "advance")
    fragment = client.get(f"/ui/releases/{released}/timeline").text
    assert 'id="rollout-status">completed' in fragment
    assert "unknown rollout step" in press("alice", "explode")


def test_the_rollout_section_shows_the_stage_scorecard(
    client: TestClient, released: str, tokens: dict[str, str], as_: Any
) -> None:
    _login(client, tokens["alice"])
    before = client.get(f"/ui/releases/{released}").text
    assert 'id="scorecard"' not in before  # no rollout yet: nothing to compare
    client.post(f"/v1/releases/{released}/rollout/start", headers=as_("alice"))
    page = client.get(f"/ui/releases/{released}").text
    assert 'id="scorecard"' in page
    for comparison in ("quality", "latency", "cost", "feedback", "safety events", "escalation"):
        assert f'<th scope="row">{comparison}</th>' in page
    live = client.get(f"/ui/releases/{released}/timeline").text  # the live refresh has it too
    assert 'id="scorecard"' in live

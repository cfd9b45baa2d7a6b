"""Signing in and out of the dashboard.

An API token pasted into the form starts a server-side session (its secret in an
HttpOnly, SameSite=Strict cookie, ``Secure`` over HTTPS, including behind a proxy that
the server trusts for ``X-Forwarded-Proto``). The form carries a nonce that must match a
cookie set with the form, so another site cannot sign a victim's browser in as the
attacker (login CSRF). Logout ends the session in the store.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from clearance import governance
from clearance.server._auth import COOKIE
from clearance.server._state import state_of

router = APIRouter(include_in_schema=False)
LOGIN_NONCE = "clearance_login"
"""Cookie holding the nonce the sign-in form must echo."""


def safe_next(target: str) -> str:
    """Only local dashboard paths: no open redirect to another site."""
    ok = target.startswith("/ui/") and "//" not in target and "\\" not in target
    return target if ok else "/ui/releases"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _form(request: Request, status: int, next_path: str, error: str) -> HTMLResponse:
    from clearance.server.web._render import page

    nonce = secrets.token_urlsafe(24)
    response = page(request, "login.html.j2", status, next=next_path, error=error, nonce=nonce)
    response.set_cookie(
        LOGIN_NONCE,
        nonce,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/ui/releases") -> HTMLResponse:
    return _form(request, 200, safe_next(next), "")


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=400)],
    nonce: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/releases",
) -> Response:
    target = safe_next(next)
    if not _same_origin(request) or not _nonce_ok(request, nonce):
        error = "This sign-in form is stale or came from another site; sign in again here."
        return _form(request, 403, target, error)
    started = governance.start_session(state_of(request).store, token.strip())
    if started is None:
        return _form(request, 401, target, "That token is unknown or revoked.")
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(LOGIN_NONCE, path="/login")
    response.set_cookie(COOKIE, started[1], **_session_cookie(request))
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()]) -> Response:
    from clearance.server.web._render import check_form, user

    check_form(request, user(request), csrf)
    secret = request.cookies.get(COOKIE, "")
    governance.end_session(state_of(request).store, secret)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=_secure(request), httponly=True)
    return response


def _session_cookie(request: Request) -> dict[str, Any]:
    return {
        "max_age": governance.SESSION_SECONDS,
        "httponly": True,
        "samesite": "strict",
        "secure": _secure(request),
        "path": "/",
    }


def _nonce_ok(request: Request, nonce: str) -> bool:
    expected = request.cookies.get(LOGIN_NONCE, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), nonce.encode())


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"

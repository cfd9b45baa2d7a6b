"""Dashboard routes: sign in with a token, releases, a release, the audit log, and the
two actions people take from a page (approve, roll back), each a CSRF-checked form."""

from __future__ import annotations

import hmac
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from clearance import governance
from clearance.errors import ClearanceError, PermissionDenied
from clearance.server._auth import COOKIE, Principal, cookie_principal, identify
from clearance.server._queries import list_releases, redacted
from clearance.server._state import ServerState, state_of
from clearance.server.web._context import release_page, timeline_context

_HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False)
_SESSION_SECONDS = 8 * 3600
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class LoginRequired(Exception):
    def __init__(self, path: str) -> None:
        self.path = path


@lru_cache(maxsize=1)
def _templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(_HERE / "templates"))


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    app.add_exception_handler(LoginRequired, _to_login)


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)


def _user(request: Request) -> Principal:
    who = cookie_principal(request)
    if who is None:
        raise LoginRequired(request.url.path)
    return who


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = _templates().TemplateResponse(request, template, context, status_code=status)
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _check_form(request: Request, who: Principal, csrf: str) -> None:
    """Refuse a form post without this session's CSRF token or from another origin."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise PermissionDenied("cross-origin form post refused")
    if not hmac.compare_digest(csrf, who.csrf):
        raise PermissionDenied("the form's CSRF token is wrong; reload the page and retry")


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/ui/releases", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/ui/releases") -> HTMLResponse:
    return _page(request, "login.html.j2", next=_safe_next(next), error="")


@router.post("/login")
def login(
    request: Request, token: Annotated[str, Form()], next: Annotated[str, Form()] = "/ui/releases"
) -> Response:
    who = identify(state_of(request), token.strip())
    if who is None:
        error = "That token is unknown or revoked."
        return _page(request, "login.html.j2", 401, next=_safe_next(next), error=error)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        who.token,
        max_age=_SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


def _safe_next(target: str) -> str:
    """Only local dashboard paths: no open redirect to another site."""
    ok = target.startswith("/ui/") and "//" not in target and "\\" not in target
    return target if ok else "/ui/releases"


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()]) -> Response:
    _check_form(request, _user(request), csrf)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/ui/releases")
def releases(request: Request) -> HTMLResponse:
    who = _user(request)
    rows = list_releases(state_of(request), 200, 0)
    return _page(request, "releases.html.j2", who=who, releases=rows)


@router.get("/ui/releases/{name}")
def release(request: Request, name: str, msg: str = "", error: str = "") -> HTMLResponse:
    who = _user(request)
    context = release_page(state_of(request), name, who)
    return _page(request, "release.html.j2", who=who, msg=msg, error=error, **context)


@router.get("/ui/releases/{name}/timeline")
def timeline_fragment(request: Request, name: str) -> HTMLResponse:
    _user(request)
    context = timeline_context(state_of(request), name)
    return _page(request, "_timeline.html.j2", name=name, **context)


@router.get("/ui/releases/{name}/report")
def report(request: Request, name: str) -> HTMLResponse:
    """The full check report (the same HTML ``clearance check --format html`` writes)."""
    from clearance.report import render_html
    from clearance.server._queries import latest_check, release_row

    _user(request)
    state = state_of(request)
    check = latest_check(state, release_row(state, name))
    if check is None:
        return _page(request, "message.html.j2", 404, text=f"release {name} has no check yet")
    response = HTMLResponse(render_html(check.report))
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@router.post("/ui/releases/{name}/approve")
def approve(
    request: Request,
    name: str,
    csrf: Annotated[str, Form()],
    role: Annotated[str, Form()] = "approve_changes",
) -> RedirectResponse:
    who = _user(request)
    _check_form(request, who, csrf)
    state = state_of(request)
    return _act(
        name,
        lambda: governance.approve(state.store, state.require_policy(), name, role, who.name),
        f"Approved as {role}.",
    )


@router.post("/ui/releases/{name}/rollback")
def rollback(
    request: Request,
    name: str,
    csrf: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "rolled back from the dashboard",
) -> RedirectResponse:
    from clearance.server.api.rollouts import roll_back

    who = _user(request)
    _check_form(request, who, csrf)
    state = state_of(request)
    return _act(name, lambda: roll_back(state, name, who, reason), "Rolled back.")


@router.post("/ui/releases/{name}/rollout/{step}")
def rollout_step(
    request: Request, name: str, step: str, csrf: Annotated[str, Form()]
) -> RedirectResponse:
    """Start, advance, pause or resume the rollout (roll back has its own form)."""
    from clearance.server.api.rollouts import steer

    who = _user(request)
    _check_form(request, who, csrf)
    state = state_of(request)
    return _act(name, lambda: steer(state, name, who, step), f"Rollout: {step} done.")


def _act(name: str, action: Any, done: str) -> RedirectResponse:
    try:
        action()
    except ClearanceError as exc:
        return RedirectResponse(_back(name, "error", exc.message), status_code=303)
    return RedirectResponse(_back(name, "msg", done), status_code=303)


def _back(name: str, key: str, text: str) -> str:
    return f"/ui/releases/{quote(name, safe='@')}?{key}={quote(text[:300])}"


@router.get("/ui/audit")
def audit(request: Request, full: bool = False) -> HTMLResponse:
    """The newest 500 entries and the same verdict as ``GET /v1/audit/verify``: only the
    entries added since the last look are hashed, every one with ``?full=true``."""
    from clearance.server.api.audit import verification

    who = _user(request)
    state: ServerState = state_of(request)
    last, _ = governance.head(state.store)
    rows = governance.entries(state.store, since=max(0, last - 500))
    view = [(e, governance.canonical(redacted(state, e.payload))) for e in reversed(rows)]
    check = verification(state, full=full)
    return _page(request, "audit.html.j2", who=who, entries=view, verification=check)

"""Dashboard routes: sign in with a token, releases, a release, the audit log, and the
two actions people take from a page (approve, roll back), each a CSRF-checked form."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from clearance import governance
from clearance.common import canonical_json
from clearance.errors import ClearanceError, PermissionDenied
from clearance.server._auth import Principal, cookie_principal
from clearance.server._queries import list_releases, redacted
from clearance.server._state import ServerState, state_of
from clearance.server.web._context import release_page, timeline_context

_HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False)
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


class LoginRequired(Exception):
    def __init__(self, path: str) -> None:
        self.path = path


@lru_cache(maxsize=1)
def _templates() -> Jinja2Templates:
    # Autoescape every template whatever its file name: Jinja's select_autoescape()
    # default matches "*.html" but not our "*.html.j2", which rendered user text raw.
    env = Environment(loader=FileSystemLoader(_HERE / "templates"), autoescape=True)
    return Jinja2Templates(env=env)


def mount(app: FastAPI) -> None:
    from clearance.server.web import login

    app.include_router(login.router)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")
    app.add_exception_handler(LoginRequired, _to_login)


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)


def user(request: Request) -> Principal:
    who = cookie_principal(request)
    if who is None:
        raise LoginRequired(request.url.path)
    return who


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = _templates().TemplateResponse(request, template, context, status_code=status)
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def check_form(request: Request, who: Principal, csrf: str) -> None:
    """Refuse a form post without this session's CSRF token or from another origin."""
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        raise PermissionDenied("cross-origin form post refused")
    if not hmac.compare_digest(csrf, who.csrf):
        raise PermissionDenied("the form's CSRF token is wrong; reload the page and retry")


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/ui/releases", status_code=303)


@router.get("/ui/releases")
def releases(request: Request) -> HTMLResponse:
    who = user(request)
    rows = list_releases(state_of(request), 200, 0)
    return page(request, "releases.html.j2", who=who, releases=rows)


@router.get("/ui/releases/{name}")
def release(
    request: Request, name: str, msg: str = "", error: str = "", sig: str = ""
) -> HTMLResponse:
    """A release's page. ``msg``/``error`` are shown only with this session's signature,
    so a link from elsewhere cannot put words on the page."""
    who = user(request)
    context = release_page(state_of(request), name, who)
    if not hmac.compare_digest(sig, _flash_sig(who, msg, error)):
        msg = error = ""
    return page(request, "release.html.j2", who=who, msg=msg, error=error, **context)


@router.get("/ui/releases/{name}/timeline")
def timeline_fragment(request: Request, name: str) -> HTMLResponse:
    user(request)
    context = timeline_context(state_of(request), name)
    return page(request, "_timeline.html.j2", name=name, **context)


@router.get("/ui/releases/{name}/report")
def report(request: Request, name: str) -> HTMLResponse:
    """The full check report (the same HTML ``clearance check --format html`` writes)."""
    from clearance.report import render_html
    from clearance.server._queries import latest_check, release_row

    user(request)
    state = state_of(request)
    check = latest_check(state, release_row(state, name))
    if check is None:
        return page(request, "message.html.j2", 404, text=f"release {name} has no check yet")
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
    who = user(request)
    check_form(request, who, csrf)
    state = state_of(request)
    return _act(
        who,
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
    version: Annotated[int | None, Form()] = None,
) -> RedirectResponse:
    from clearance.server.api.rollouts import ChangeRequest, do_step

    who = user(request)
    check_form(request, who, csrf)
    state = state_of(request)
    body = ChangeRequest(reason=reason[:2000], expected_version=version)
    return _act(who, name, lambda: do_step(state, name, who, "rollback", body), "Rolled back.")


@router.post("/ui/releases/{name}/rollout/{step}")
def rollout_step(
    request: Request,
    name: str,
    step: str,
    csrf: Annotated[str, Form()],
    version: Annotated[int | None, Form()] = None,
    force: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    """Start, advance, pause or resume the rollout (roll back has its own form, with a
    reason; an unknown step is refused by the same :func:`steer` as the API's). The form
    carries the rollout version the page showed: a stale one is refused, not applied. The
    advance form's ``force`` box advances past the stage's unmet minimums (recorded)."""
    from clearance.server.api.rollouts import AdvanceRequest, do_step

    who = user(request)
    check_form(request, who, csrf)
    state = state_of(request)
    body = AdvanceRequest(reason="from the dashboard", expected_version=version, force=force)
    return _act(who, name, lambda: do_step(state, name, who, step, body), f"Rollout: {step} done.")


def _act(who: Principal, name: str, action: Any, done: str) -> RedirectResponse:
    try:
        action()
    except ClearanceError as exc:
        return RedirectResponse(_back(who, name, "", exc.message), status_code=303)
    return RedirectResponse(_back(who, name, done, ""), status_code=303)


def _back(who: Principal, name: str, msg: str, error: str) -> str:
    msg, error = msg[:300], error[:300]
    query = urlencode({"msg": msg, "error": error, "sig": _flash_sig(who, msg, error)})
    return f"/ui/releases/{quote(name, safe='@')}?{query}"


def _flash_sig(who: Principal, msg: str, error: str) -> str:
    body = f"{msg}\x00{error}".encode()
    return hmac.new(who.csrf.encode(), body, hashlib.sha256).hexdigest()[:32]


@router.get("/ui/audit")
def audit(request: Request, full: bool = False) -> HTMLResponse:
    """The newest 500 entries and the same verdict as ``GET /v1/audit/verify``: only the
    entries added since the last look are hashed, every one with ``?full=true``."""
    from clearance.server.api.audit import verification

    who = user(request)
    state: ServerState = state_of(request)
    last, _ = governance.head(state.store)
    rows = governance.entries(state.store, since=max(0, last - 500))
    view = [(e, canonical_json(redacted(state, e.payload))) for e in reversed(rows)]
    check = verification(state, full=full)
    return page(request, "audit.html.j2", who=who, entries=view, verification=check)

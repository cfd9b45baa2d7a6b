"""Dashboard routes for one release: its page, the live rollout fragment, the full
report, and the actions people take from it (approve, steer the rollout, roll back),
each a CSRF-checked form. The other pages have a module each; :func:`mount` adds them."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from clearance import governance
from clearance.errors import ClearanceError
from clearance.server._auth import Principal
from clearance.server._queries import release_row
from clearance.server._state import state_of
from clearance.server.web._context import release_page, timeline_context
from clearance.server.web._render import HERE, LoginRequired, check_form, page, to_login, user

router = APIRouter(include_in_schema=False)


def mount(app: FastAPI) -> None:
    from clearance.server.web import audit, listing, login, samples

    for module in (login, listing, audit, samples):
        app.include_router(module.router)
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_exception_handler(LoginRequired, to_login)


@router.get("/")
@router.get("/ui")
@router.get("/ui/")
def home() -> RedirectResponse:
    return RedirectResponse("/ui/releases", status_code=303)


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
    who = user(request)
    context = timeline_context(state_of(request), name, who)
    return page(
        request,
        "_timeline.html.j2",
        who=who,
        release=release_row(state_of(request), name),
        **context,
    )


@router.get("/ui/releases/{name}/report")
def report(request: Request, name: str) -> HTMLResponse:
    """The full check report (the same HTML ``clearance check --format html`` writes)."""
    from clearance.report import render_html
    from clearance.server._queries import latest_check

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

"""What every dashboard page shares: the autoescaping templates, the security headers,
the signed-in person (or a redirect to sign in) and the CSRF check of a form post."""

from __future__ import annotations

import hmac
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from clearance.common import format_duration
from clearance.errors import PermissionDenied
from clearance.server._auth import Principal, cookie_principal

HERE = Path(__file__).parent
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
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    env.filters["duration"] = format_duration
    return Jinja2Templates(env=env)


async def to_login(request: Request, exc: Exception) -> Response:
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

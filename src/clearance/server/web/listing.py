"""The releases page: one row per release."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from clearance.server._queries import list_releases
from clearance.server._state import state_of
from clearance.server.web._render import page, user

router = APIRouter(include_in_schema=False)


@router.get("/ui/releases")
def releases(request: Request) -> HTMLResponse:
    who = user(request)
    rows = list_releases(state_of(request), 200, 0)
    return page(request, "releases.html.j2", who=who, releases=rows)

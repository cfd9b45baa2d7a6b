"""The releases page: one row per release with its decision, its rollout (status,
stage, weight, last transition) and its open incidents; filtered, sorted and paged by
the query string (see :mod:`clearance.server.web._releases_view`)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from clearance.server._state import state_of
from clearance.server.web._releases_view import (
    DECISIONS,
    ROLLOUT_STATUSES,
    parse_filters,
    percent,
    relative,
    releases_view,
)
from clearance.server.web._render import page, user

router = APIRouter(include_in_schema=False)


@router.get("/ui/releases")
def releases(request: Request) -> HTMLResponse:
    """The list. Unknown filter values are ignored and said so above the table."""
    who = user(request)
    filters = parse_filters(request.query_params)
    view = releases_view(state_of(request), filters)
    return page(
        request,
        "releases.html.j2",
        who=who,
        view=view,
        releases=view.rows,
        decisions=DECISIONS,
        statuses=ROLLOUT_STATUSES,
        now=datetime.now(UTC),
        relative=relative,
        percent=percent,
    )

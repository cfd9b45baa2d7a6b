"""The audit log page: the newest entries and the chain's verification."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from clearance import governance
from clearance.common import canonical_json
from clearance.server._queries import redacted
from clearance.server._state import ServerState, state_of
from clearance.server.web._render import page, user

router = APIRouter(include_in_schema=False)


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

"""Who is calling: bearer tokens for the API, a server-side session for the dashboard.

Tokens are the per-user API tokens of :mod:`clearance.governance` (hashed at rest);
roles are the duties the policy's ``owners`` give that user name. The dashboard's
HttpOnly cookie holds a session secret, not the API token: the session expires, and
logout (or revoking the user) ends it in the store for every worker. Dashboard forms
carry a CSRF token derived from the session secret (HMAC), the same in every worker
process, which a page on another origin cannot compute.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from clearance import governance
from clearance.errors import PermissionDenied
from clearance.policy import Duty
from clearance.server._problems import Unauthorized
from clearance.server._state import ServerState, state_of

COOKIE = "clearance_session"
_bearer = HTTPBearer(auto_error=False, description="An API token from `clearance user add`.")


@dataclass(frozen=True)
class Principal:
    """An authenticated user, their roles, and the token they presented."""

    name: str
    roles: tuple[Duty, ...]
    token: str

    def holds(self, *duties: Duty) -> bool:
        return any(duty in self.roles for duty in duties)

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def csrf_token(token: str) -> str:
    """The CSRF token of a session: an HMAC keyed by the (secret, HttpOnly) session token."""
    return hmac.new(token.encode(), b"clearance-csrf", hashlib.sha256).hexdigest()[:40]


AUTH_CACHE_S = 2.0
"""How long the route endpoint trusts a token it has checked. Only that read-only hot
path caches: every other endpoint checks the token in the store on every request, so a
revocation applies at once there and within this many seconds on the route."""
_known: dict[tuple[int, str], tuple[str, float]] = {}


def identify(state: ServerState, token: str | None, *, cached: bool = False) -> Principal | None:
    """The principal holding ``token``, or None when it is absent, unknown or revoked."""
    if not token:
        return None
    name = _authenticate(state, token) if cached else governance.authenticate(state.store, token)
    if name is None:
        return None
    return Principal(name, tuple(state.roles(name)), token)


def _authenticate(state: ServerState, token: str) -> str | None:
    # Hot endpoints (the route) must not pay a database round trip per request: a valid
    # token is remembered for AUTH_CACHE_S seconds; unknown tokens are never cached.
    key = (id(state), hashlib.sha256(token.encode()).hexdigest())
    now = time.monotonic()
    hit = _known.get(key)
    if hit is not None and hit[1] > now:
        return hit[0]
    name = governance.authenticate(state.store, token)
    if name is None:
        _known.pop(key, None)
        return None
    if len(_known) > 10_000:
        _known.clear()
    _known[key] = (name, now + AUTH_CACHE_S)
    return name


def api_principal(
    state: Annotated[ServerState, Depends(state_of)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The API caller, from ``Authorization: Bearer``; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <token>' (see `clearance user add`)")
    who = identify(state, credentials.credentials)
    if who is None:
        raise Unauthorized("the token is unknown or revoked")
    return who


def route_principal(
    state: Annotated[ServerState, Depends(state_of)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Like :func:`api_principal`, with the short token cache of the route hot path."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <token>' (see `clearance user add`)")
    who = identify(state, credentials.credentials, cached=True)
    if who is None:
        raise Unauthorized("the token is unknown or revoked")
    return who


def allowed_to(action: governance.Action) -> Callable[..., Principal]:
    """A dependency admitting only callers the governance rulebook allows ``action``
    (403 for anyone else, recorded as ``denied.<action>`` about the release in the path).
    Without a policy nobody holds a duty, so nobody is allowed."""

    def check(who: Annotated[Principal, Depends(api_principal)], request: Request) -> Principal:
        state = state_of(request)
        subject = str(request.path_params.get("name", request.url.path))
        if state.policy is None:
            raise PermissionDenied(
                f"{who.name} may not do this: the server has no policy, so nobody holds a duty",
                fix="start the server with --policy",
            )
        governance.authorize_recorded(state.store, state.policy, who.name, action, subject=subject)
        return who

    return check


def cookie_principal(request: Request) -> Principal | None:
    """The dashboard user from the session cookie (a live server-side session), or None."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None
    state = state_of(request)
    name = governance.session_user(state.store, secret)
    if name is None:
        return None
    return Principal(name, tuple(state.roles(name)), secret)


Caller = Annotated[Principal, Depends(api_principal)]
RouteCaller = Annotated[Principal, Depends(route_principal)]
"""Any authenticated API caller."""

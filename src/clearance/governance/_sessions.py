"""Dashboard sessions: what a browser holds instead of the API token.

Signing in with an API token starts a session whose secret (32 random bytes, prefixed
``cls_``) goes into an HttpOnly cookie; the store keeps only its SHA-256. A session ends
at its expiry, at logout, or when its user's token is revoked, whichever comes first,
and every request checks the store, so an ended session is refused at once by every
worker. The API token itself never travels in a cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from clearance.governance._audit import append_in
from clearance.governance._users import authenticate
from clearance.store import Store

SESSION_SECONDS = 8 * 3600
"""How long a dashboard session lasts from sign-in."""
_PREFIX = "cls_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(
    store: Store, token: str, *, seconds: float = SESSION_SECONDS
) -> tuple[str, str] | None:
    """Sign in with an API token: ``(user, session secret)``, or None if the token is
    unknown or revoked. The sign-in is an audit entry."""
    user = authenticate(store, token)
    if user is None:
        return None
    secret = _PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.transaction(exclusive=True) as tx:
        expires = now + timedelta(seconds=seconds)
        tx.governance.add_web_session(_digest(secret), user, now, expires)
        append_in(tx, user, "session.started", f"user:{user}", {"expires_s": seconds})
    return user, secret


def session_user(store: Store, secret: str) -> str | None:
    """The user of a live session, or None when it is unknown, expired, ended, or its
    user's token was revoked since."""
    if not secret.startswith(_PREFIX):
        return None
    with store.transaction() as tx:
        row = tx.governance.web_session(_digest(secret))
        if row is None or row.ended_at is not None or row.expires_at <= datetime.now(UTC):
            return None
        user = tx.governance.find_user(row.user)
    return row.user if user is not None and user.revoked_at is None else None


def end_session(store: Store, secret: str) -> None:
    """Log out: the session is refused from now on, in every worker."""
    if not secret.startswith(_PREFIX):
        return
    with store.transaction(exclusive=True) as tx:
        row = tx.governance.end_web_session(_digest(secret), datetime.now(UTC))
        if row is None:
            return
        append_in(tx, row.user, "session.ended", f"user:{row.user}", {})


def end_sessions_of(store: Store, user: str) -> int:
    """End every live session of ``user`` (their token was revoked or replaced)."""
    with store.transaction(exclusive=True) as tx:
        return tx.governance.end_web_sessions_of(user, datetime.now(UTC))

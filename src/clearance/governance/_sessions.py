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
from datetime import timedelta

from sqlalchemy import select, update

from clearance.governance._audit import append_in
from clearance.governance._common import now_utc, utc, writing
from clearance.governance._users import authenticate
from clearance.store import Store, Tx, User, WebSession

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
    now = now_utc()
    with writing(store) as session:
        session.add(
            WebSession(
                id_hash=_digest(secret),
                user=user,
                created_at=now,
                expires_at=now + timedelta(seconds=seconds),
                ended_at=None,
            )
        )
        append_in(Tx(session), user, "session.started", f"user:{user}", {"expires_s": seconds})
    return user, secret


def session_user(store: Store, secret: str) -> str | None:
    """The user of a live session, or None when it is unknown, expired, ended, or its
    user's token was revoked since."""
    if not secret.startswith(_PREFIX):
        return None
    with store.session() as session:
        row = session.get(WebSession, _digest(secret))
        if row is None or row.ended_at is not None or utc(row.expires_at) <= now_utc():
            return None
        revoked = session.scalar(select(User.revoked_at).where(User.name == row.user))
        known = session.scalar(select(User.id).where(User.name == row.user))
    return row.user if known is not None and revoked is None else None


def end_session(store: Store, secret: str) -> None:
    """Log out: the session is refused from now on, in every worker."""
    if not secret.startswith(_PREFIX):
        return
    with writing(store) as session:
        row = session.get(WebSession, _digest(secret))
        if row is None or row.ended_at is not None:
            return
        row.ended_at = now_utc()
        append_in(Tx(session), row.user, "session.ended", f"user:{row.user}", {})


def end_sessions_of(store: Store, user: str) -> int:
    """End every live session of ``user`` (their token was revoked or replaced)."""
    with writing(store) as session:
        result = session.execute(
            update(WebSession)
            .where(WebSession.user == user, WebSession.ended_at.is_(None))
            .values(ended_at=now_utc())
        )
        return int(getattr(result, "rowcount", 0) or 0)

"""Users and their API tokens.

:func:`add_user` and :func:`remove_user` are the governed actions (``manage_users``);
:func:`create_user` and :func:`revoke_user` are the unchecked primitives beneath them,
for code that already owns the store (test fixtures, a first bootstrap).

A token is 32 random bytes (URL-safe base64, prefixed ``clr_``) shown once; the store keeps
only its SHA-256. A slow password hash (scrypt, PBKDF2) defends low-entropy secrets against
guessing; a 256-bit random token cannot be guessed, so a fast hash is as safe here and lets
``authenticate`` find the user by an indexed lookup instead of trying every row.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from clearance.errors import UsageError
from clearance.governance._audit import append_in
from clearance.governance._rules import authorize_recorded
from clearance.policy import Policy
from clearance.store import Store, UserRecord

_PREFIX = "clr_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(store: Store, name: str, *, actor: str = "clearance", replace: bool = False) -> str:
    """Register ``name`` and return a new API token (shown once, stored hashed).

    With ``replace`` an existing user gets a new token and the old one stops working.
    """
    if not name.strip():
        raise UsageError("a user name must not be blank", fix="give a name such as 'alice'")
    token = _PREFIX + secrets.token_urlsafe(32)
    with store.transaction(exclusive=True) as tx:
        if tx.governance.find_user(name) is not None and not replace:
            raise UsageError(
                f"user '{name}' already exists", fix="pass --replace to issue a new token"
            )
        tx.governance.set_token(name, _digest(token), by=actor, at=datetime.now(UTC))
        append_in(tx, actor, "user.token_issued", f"user:{name}", {"replaced": replace})
    return token


def add_user(store: Store, policy: Policy, name: str, actor: str, *, replace: bool = False) -> str:
    """``actor`` (who must hold ``manage_users``) registers ``name``: its new token."""
    authorize_recorded(store, policy, actor, "user.add", subject=f"user:{name}")
    return create_user(store, name, actor=actor, replace=replace)


def remove_user(store: Store, policy: Policy, name: str, actor: str) -> None:
    """``actor`` (who must hold ``manage_users``) revokes ``name``'s token."""
    authorize_recorded(store, policy, actor, "user.revoke", subject=f"user:{name}")
    revoke_user(store, name, actor=actor)


def revoke_user(store: Store, name: str, *, actor: str = "clearance") -> None:
    """Stop ``name``'s token from authenticating."""
    with store.transaction(exclusive=True) as tx:
        tx.governance.revoke_user(name, datetime.now(UTC))
        append_in(tx, actor, "user.revoked", f"user:{name}")


def authenticate(store: Store, token: str) -> str | None:
    """The name of the user holding ``token``, or None if it is unknown or revoked."""
    if not token.startswith(_PREFIX):
        return None
    with store.transaction() as tx:
        row: UserRecord | None = tx.governance.user_by_token(_digest(token))
    # Lookup by hash: timing can only reveal the hash's prefix, which does not help forge it.
    return None if row is None or row.revoked_at is not None else row.name


def users(store: Store) -> list[tuple[str, bool]]:
    """``(name, active)`` for every registered user."""
    with store.transaction() as tx:
        return [(row.name, row.revoked_at is None) for row in tx.governance.users()]

"""Registers with due dates: provider keys to rotate and user data requests to answer.

Registering or rotating a key takes a ``rotate_provider_keys`` holder; anyone may record
a data request as it arrives (whoever receives it must be able to log it), and only a
``handle_data_requests`` holder may close one. The overdue counts feed the checklist as
``security.overdue_key_rotations`` and ``privacy.overdue_data_requests``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clearance.common import utc
from clearance.errors import UsageError
from clearance.governance._audit import append_in
from clearance.governance._rules import authorize
from clearance.policy import Policy
from clearance.store import DataRequestRecord, ProviderKeyRecord, Store

DEFAULT_RESPONSE_DAYS = 30
"""Data requests are due this long after receipt unless a due date is given (GDPR's
one month, rounded down)."""


def add_provider_key(
    store: Store,
    policy: Policy,
    name: str,
    owner: str,
    max_age_days: int,
    actor: str,
    *,
    last_rotated: datetime | None = None,
) -> ProviderKeyRecord:
    """Register key ``name`` (its label, never the secret) with its rotation period."""
    authorize(policy, actor, "provider_key.register", subject=f"key {name}")
    if max_age_days < 1:
        raise UsageError("max age must be at least 1 day", fix="pass --max-age-days 90")
    when = utc(last_rotated) if last_rotated else datetime.now(UTC)
    with store.transaction(exclusive=True) as tx:
        if tx.governance.find_provider_key(name) is not None:
            raise UsageError(
                f"key '{name}' is already registered", fix="use `clearance keys rotate`"
            )
        row = tx.governance.add_provider_key(name, owner, when, max_age_days, actor)
        payload = {"owner": owner, "max_age_days": max_age_days, "last_rotated": when.isoformat()}
        append_in(tx, actor, "key.registered", f"key:{name}", payload)
    return row


def rotate_provider_key(
    store: Store, policy: Policy, name: str, actor: str, *, when: datetime | None = None
) -> ProviderKeyRecord:
    """Record that key ``name`` was rotated (now, or at ``when``)."""
    authorize(policy, actor, "provider_key.rotate", subject=f"key {name}")
    moment = utc(when) if when else datetime.now(UTC)
    with store.transaction(exclusive=True) as tx:
        row = tx.governance.rotate_provider_key(name, moment, actor)
        append_in(tx, actor, "key.rotated", f"key:{name}", {"at": moment.isoformat()})
    return row


def key_due(key: ProviderKeyRecord) -> datetime:
    return utc(key.last_rotated) + timedelta(days=key.max_age_days)


def provider_keys(store: Store) -> list[ProviderKeyRecord]:
    with store.transaction() as tx:
        return tx.governance.provider_keys()


def overdue_key_rotations(store: Store, now: datetime | None = None) -> int:
    """How many keys are past their maximum age at ``now``."""
    moment = utc(now) if now else datetime.now(UTC)
    return sum(1 for key in provider_keys(store) if key_due(key) < moment)


def add_data_request(
    store: Store,
    request_id: str,
    kind: str,
    actor: str,
    *,
    received: datetime | None = None,
    due: datetime | None = None,
) -> DataRequestRecord:
    """Record a user data request (``kind`` e.g. access, deletion); ``request_id`` is the
    ticket reference, so no personal data enters the register."""
    got = utc(received) if received else datetime.now(UTC)
    until = utc(due) if due else got + timedelta(days=DEFAULT_RESPONSE_DAYS)
    if until <= got:
        raise UsageError("a data request must be due after it was received", fix="fix --due")
    with store.transaction(exclusive=True) as tx:
        if tx.governance.find_data_request(request_id) is not None:
            raise UsageError(f"data request '{request_id}' already exists", fix="use another id")
        row = tx.governance.add_data_request(request_id, kind, got, until, actor)
        payload = {"kind": kind, "received": got.isoformat(), "due": until.isoformat()}
        subject = f"data-request:{request_id}"
        append_in(tx, actor, "data_request.recorded", subject, payload)
    return row


def close_data_request(
    store: Store, policy: Policy, request_id: str, actor: str
) -> DataRequestRecord:
    """Mark a data request answered; only ``handle_data_requests`` holders may."""
    authorize(policy, actor, "data_request.close", subject=f"data request {request_id}")
    with store.transaction(exclusive=True) as tx:
        found = tx.governance.find_data_request(request_id)
        if found is not None and found.closed_at is not None:
            raise UsageError(f"data request '{request_id}' is already closed", fix="nothing to do")
        now = datetime.now(UTC)
        row = tx.governance.close_data_request(request_id, actor, now)
        late = now > row.due_at
        append_in(tx, actor, "data_request.closed", f"data-request:{request_id}", {"late": late})
    return row


def data_requests(store: Store, *, open_only: bool = False) -> list[DataRequestRecord]:
    with store.transaction() as tx:
        return tx.governance.data_requests(open_only=open_only)


def overdue_data_requests(store: Store, now: datetime | None = None) -> int:
    """How many data requests are still open past their due date at ``now``."""
    moment = utc(now) if now else datetime.now(UTC)
    return sum(1 for r in data_requests(store, open_only=True) if r.due_at < moment)

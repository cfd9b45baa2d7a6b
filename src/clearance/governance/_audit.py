"""The append-only, hash-chained audit log.

Each entry stores the previous entry's hash and a SHA-256 over a canonical JSON of its own
fields (``seq``, ``ts``, ``actor``, ``action``, ``subject``, ``payload``, ``prev_hash``).
Appends take the database's write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory
lock) and ``prev_hash`` is unique, so two writers can never fork the chain. Verification
walks the chain and names the first entry that was edited, deleted, inserted or reordered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearance.store import AuditEvent, Store

GENESIS = "0" * 64
"""``prev_hash`` of the first entry."""
_APPEND_LOCK = 7_466_152  # PostgreSQL advisory lock key for appends
_RETRIES = 5


@dataclass(frozen=True)
class Entry:
    """One audit entry as read back from the store."""

    seq: int
    ts: str
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verification:
    """Result of :func:`verify`: ``ok``, how many entries were checked, the first bad one."""

    ok: bool
    checked: int
    head: str
    first_bad: int | None = None
    problem: str = ""


def canonical(value: Any) -> str:
    """The canonical JSON text that is hashed: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    seq: int, ts: str, actor: str, action: str, subject: str, payload_text: str, prev_hash: str
) -> str:
    body = canonical(
        {
            "seq": seq,
            "ts": ts,
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": payload_text,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    store: Store,
    actor: str,
    action: str,
    subject: str = "",
    payload: Mapping[str, Any] | None = None,
) -> Entry:
    """Append one entry and return it. Safe under concurrent writers."""
    payload_text = canonical(dict(payload or {}))
    for attempt in range(_RETRIES):
        try:
            with store.session(exclusive=True) as session:
                return _append_locked(session, actor, action, subject, payload_text)
        except IntegrityError:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def append_in(
    session: Session,
    actor: str,
    action: str,
    subject: str = "",
    payload: Mapping[str, Any] | None = None,
) -> Entry:
    """Append within a caller's exclusive session, so the entry commits with its action."""
    return _append_locked(session, actor, action, subject, canonical(dict(payload or {})))


def _append_locked(
    session: Session, actor: str, action: str, subject: str, payload_text: str
) -> Entry:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _APPEND_LOCK})
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq = head.seq + 1 if head else 1
    prev = head.hash if head else GENESIS
    ts = datetime.now(UTC).isoformat(timespec="microseconds")
    digest = entry_hash(seq, ts, actor, action, subject, payload_text, prev)
    session.add(
        AuditEvent(
            seq=seq,
            ts=ts,
            actor=actor,
            action=action,
            subject=subject,
            payload=payload_text,
            prev_hash=prev,
            hash=digest,
        )
    )
    session.flush()
    return Entry(seq, ts, actor, action, subject, json.loads(payload_text), prev, digest)


def entries(
    store: Store, *, since: int = 0, limit: int | None = None, subject: str | None = None
) -> list[Entry]:
    """Entries with ``seq > since`` in order, optionally only those about ``subject``."""
    query = select(AuditEvent).where(AuditEvent.seq > since).order_by(AuditEvent.seq)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    if limit is not None:
        query = query.limit(limit)
    with store.session() as session:
        return [_entry(row) for row in session.scalars(query)]


def head(store: Store) -> tuple[int, str]:
    """``(seq, hash)`` of the last entry, ``(0, GENESIS)`` for an empty log."""
    with store.session() as session:
        row = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def count(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def verify(store: Store, *, batch: int = 5000) -> Verification:
    """Walk the whole chain; report the first entry that does not fit."""
    prev, expected_seq, checked = GENESIS, 1, 0
    last = 0
    while True:
        with store.session() as session:
            rows = list(
                session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.seq > last)
                    .order_by(AuditEvent.seq)
                    .limit(batch)
                )
            )
        if not rows:
            return Verification(True, checked, prev)
        for row in rows:
            problem = _check(row, expected_seq, prev)
            if problem:
                return Verification(False, checked, prev, row.seq, problem)
            prev, expected_seq, checked, last = row.hash, row.seq + 1, checked + 1, row.seq


def _check(row: AuditEvent, expected_seq: int, prev: str) -> str:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing: the chain jumps to {row.seq} (deleted entry)"
    if row.prev_hash != prev:
        return (
            f"entry {row.seq} does not follow entry {row.seq - 1}: its prev_hash differs "
            "(inserted, deleted or reordered entry)"
        )
    digest = entry_hash(
        row.seq, row.ts, row.actor, row.action, row.subject, row.payload, row.prev_hash
    )
    if digest != row.hash:
        return f"entry {row.seq} was edited: its content no longer matches its hash"
    return ""


def _entry(row: AuditEvent) -> Entry:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        payload = {"unreadable": row.payload}
    return Entry(
        row.seq, row.ts, row.actor, row.action, row.subject, payload, row.prev_hash, row.hash
    )

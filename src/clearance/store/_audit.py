"""The store's queries for the hash-chained audit log and its checkpoints.

The store keeps and reads entries; the chaining rules (what is hashed, what follows
what) live in :mod:`clearance.governance`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearance.errors import ConflictError
from clearance.store._engine import WRITE_LOCK
from clearance.store._tables import AuditCheckpoint, AuditEvent

APPEND_LOCK = WRITE_LOCK
"""PostgreSQL advisory lock key that audit appends hold for their transaction: the one
every exclusive transaction holds, so an exclusive transaction already has it."""


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry as stored: ``ts`` and ``payload`` are the exact hashed text."""

    seq: int
    ts: str
    actor: str
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class CheckpointRecord:
    """A stored signature over the chain's head at one moment."""

    id: int
    seq: int
    hash: str
    ts: str
    key_id: str
    signature: str
    created_by: str
    count: int | None


_COLUMNS = (
    AuditEvent.seq,
    AuditEvent.ts,
    AuditEvent.actor,
    AuditEvent.action,
    AuditEvent.subject,
    AuditEvent.payload,
    AuditEvent.prev_hash,
    AuditEvent.hash,
)


class AuditLog:
    """Queries over the hash-chained audit log and its checkpoints, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lock(self) -> None:
        """Take the append lock for this transaction (PostgreSQL; re-entrant). On SQLite
        an exclusive transaction already holds the database's write lock."""
        if self._session.get_bind().dialect.name == "postgresql":
            self._session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK})

    def head(self) -> tuple[int, str] | None:
        """``(seq, hash)`` of the last entry, None for an empty log."""
        row = self._session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        return None if row is None else (row.seq, row.hash)

    def append(self, entry: AuditRecord) -> None:
        """Store a computed entry; :class:`ConflictError` if another writer took its place."""
        self._session.add(AuditEvent(**_fields(entry)))
        try:
            self._session.flush()
        except IntegrityError:
            raise ConflictError(
                f"audit entry {entry.seq} was appended by another writer", current=entry.seq
            ) from None

    def at(self, seq: int) -> AuditRecord | None:
        """The entry at ``seq``, or None."""
        row = self._session.execute(select(*_COLUMNS).where(AuditEvent.seq == seq)).first()
        return None if row is None else AuditRecord(*row)

    def after(
        self, since: int, *, limit: int | None = None, subject: str | None = None
    ) -> list[AuditRecord]:
        """Entries with ``seq > since`` in order, optionally only those about ``subject``."""
        query = select(*_COLUMNS).where(AuditEvent.seq > since).order_by(AuditEvent.seq)
        if subject is not None:
            query = query.where(AuditEvent.subject == subject)
        if limit is not None:
            query = query.limit(limit)
        return [AuditRecord(*row) for row in self._session.execute(query)]

    def search(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        action_prefix: str | None = None,
        subject: str | None = None,
        ts_from: str | None = None,
        ts_before: str | None = None,
        payload_text: str | None = None,
        before: int | None = None,
        after: int | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[AuditRecord]:
        """Up to ``limit`` entries matching every filter given, for the audit page.

        ``actor``, ``action`` and ``subject`` match exactly; ``action_prefix`` matches
        the start of the action (``"rollout."``); ``ts_from <= ts < ts_before`` compares
        the stored ISO-8601 UTC text, which sorts as time because every entry's ``ts``
        has one fixed format; ``payload_text`` is a case-insensitive substring of the
        stored payload text (``%`` and ``_`` match themselves). ``before``/``after``
        bound ``seq`` exclusively, for keyset pages: ``newest_first`` walks from the
        newest entry down, otherwise from the oldest up."""
        query = select(*_COLUMNS).where(
            *_conditions(actor, action, action_prefix, subject, ts_from, ts_before)
        )
        if payload_text:
            query = query.where(AuditEvent.payload.icontains(payload_text, autoescape=True))
        if before is not None:
            query = query.where(AuditEvent.seq < before)
        if after is not None:
            query = query.where(AuditEvent.seq > after)
        order = AuditEvent.seq.desc() if newest_first else AuditEvent.seq.asc()
        rows = self._session.execute(query.order_by(order).limit(limit))
        return [AuditRecord(*row) for row in rows]

    def actions(self) -> list[str]:
        """Every distinct action in the log, sorted (the audit page's filter choices)."""
        query = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
        return list(self._session.scalars(query))

    def actors(self) -> list[str]:
        """Every distinct actor in the log, sorted (the audit page's filter suggestions)."""
        query = select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)
        return list(self._session.scalars(query))

    def hashes_at(self, seqs: Iterable[int]) -> dict[int, str]:
        """``seq → hash`` of the entries at ``seqs`` that exist."""
        query = select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(list(seqs)))
        return {row.seq: row.hash for row in self._session.execute(query)}

    def count(self) -> int:
        return int(self._session.scalar(select(func.count()).select_from(AuditEvent)) or 0)

    def add_checkpoint(
        self,
        *,
        seq: int,
        hash: str,
        ts: str,
        key_id: str,
        signature: str,
        created_by: str,
        count: int | None,
    ) -> CheckpointRecord:
        row = AuditCheckpoint(
            seq=seq,
            hash=hash,
            ts=ts,
            key_id=key_id,
            signature=signature,
            created_by=created_by,
            count=count,
        )
        self._session.add(row)
        self._session.flush()
        return _checkpoint(row)

    def checkpoints(self) -> list[CheckpointRecord]:
        """Stored checkpoints, oldest first."""
        query = select(AuditCheckpoint).order_by(AuditCheckpoint.id)
        return [_checkpoint(row) for row in self._session.scalars(query)]


def _conditions(
    actor: str | None,
    action: str | None,
    action_prefix: str | None,
    subject: str | None,
    ts_from: str | None,
    ts_before: str | None,
) -> list[ColumnElement[bool]]:
    """The exact-match, prefix and time filters of :meth:`AuditLog.search` that are set."""
    found: list[ColumnElement[bool]] = []
    if actor is not None:
        found.append(AuditEvent.actor == actor)
    if action is not None:
        found.append(AuditEvent.action == action)
    if action_prefix:
        found.append(AuditEvent.action.startswith(action_prefix, autoescape=True))
    if subject is not None:
        found.append(AuditEvent.subject == subject)
    if ts_from is not None:
        found.append(AuditEvent.ts >= ts_from)
    if ts_before is not None:
        found.append(AuditEvent.ts < ts_before)
    return found


def _fields(entry: AuditRecord) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "ts": entry.ts,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "payload": entry.payload,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _checkpoint(row: AuditCheckpoint) -> CheckpointRecord:
    return CheckpointRecord(
        row.id, row.seq, row.hash, row.ts, row.key_id, row.signature, row.created_by, row.count
    )

"""The append-only, hash-chained audit log.

Each entry stores the previous entry's hash and a SHA-256 over a canonical JSON of its own
fields (``seq``, ``ts``, ``actor``, ``action``, ``subject``, ``payload``, ``prev_hash``).
Appends take the database's write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory
lock) and ``prev_hash`` is unique, so two writers can never fork the chain. Verification
walks the chain and names the first entry that was edited, deleted, inserted or reordered.

A full walk costs one hash per entry. ``verify(store, full=False)`` is incremental: the
process remembers, per open store, the furthest position ``(seq, hash)`` it verified,
hashes the entry at that seq again and requires the same hash (one row), then hashes
only the entries after it. The position lives in this process's memory, not in the
database, so whoever can write the database cannot move it. What an incremental walk
cannot see is an entry before that position edited in place without recomputing the
hashes after it; a full walk (the CLI default, ``?full=true`` on the API) sees that too.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from clearance.common import canonical_json, canonical_sha256
from clearance.errors import ConflictError
from clearance.governance._identity import IDENTITY_KEY, current_channel
from clearance.store import AuditRecord, Store, Tx

GENESIS = "0" * 64
"""``prev_hash`` of the first entry."""
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
    """Result of :func:`verify`: ``ok``, how many entries were hashed, the first bad one.

    ``head`` and ``head_seq`` are the last entry that verified (the chain's head when
    ``ok``); ``start_seq`` is the remembered position an incremental walk started after
    (0 for a full walk), so ``checked`` counts only the entries after it."""

    ok: bool
    checked: int
    head: str
    first_bad: int | None = None
    problem: str = ""
    head_seq: int = 0
    start_seq: int = 0

    @property
    def full(self) -> bool:
        """Whether every entry from the first was hashed."""
        return self.start_seq == 0


Position = tuple[int, str]
"""``(seq, hash)`` of an entry known to be verified."""


@dataclass
class _Memo:
    """What this process verified in one store: the furthest position, and whether the
    last walk failed (then the next incremental walk is a full one)."""

    position: Position
    failed: bool = False


_memos: weakref.WeakKeyDictionary[Store, _Memo] = weakref.WeakKeyDictionary()
_memo_lock = threading.Lock()


def entry_hash(
    seq: int, ts: str, actor: str, action: str, subject: str, payload_text: str, prev_hash: str
) -> str:
    return canonical_sha256(
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


def append(
    store: Store,
    actor: str,
    action: str,
    subject: str = "",
    payload: Mapping[str, Any] | None = None,
) -> Entry:
    """Append one entry and return it. Safe under concurrent writers."""
    payload_text = canonical_json(_stamped(payload))
    for attempt in range(_RETRIES):
        try:
            with store.transaction(exclusive=True) as tx:
                return _append_locked(tx, actor, action, subject, payload_text)
        except ConflictError:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def append_in(
    tx: Tx,
    actor: str,
    action: str,
    subject: str = "",
    payload: Mapping[str, Any] | None = None,
) -> Entry:
    """Append within a caller's exclusive transaction, so the entry commits with its action."""
    return _append_locked(tx, actor, action, subject, canonical_json(_stamped(payload)))


def _stamped(payload: Mapping[str, Any] | None) -> dict[str, Any]:
    """The payload with how the actor was identified (see :mod:`._identity`)."""
    return {**(payload or {}), IDENTITY_KEY: current_channel().as_payload()}


def _append_locked(tx: Tx, actor: str, action: str, subject: str, payload_text: str) -> Entry:
    tx.audit.lock()
    seq, prev = tx.audit.head() or (0, GENESIS)
    seq += 1
    ts = datetime.now(UTC).isoformat(timespec="microseconds")
    digest = entry_hash(seq, ts, actor, action, subject, payload_text, prev)
    tx.audit.append(AuditRecord(seq, ts, actor, action, subject, payload_text, prev, digest))
    return Entry(seq, ts, actor, action, subject, json.loads(payload_text), prev, digest)


def entries(
    store: Store, *, since: int = 0, limit: int | None = None, subject: str | None = None
) -> list[Entry]:
    """Entries with ``seq > since`` in order, optionally only those about ``subject``."""
    with store.transaction() as tx:
        return [_entry(r) for r in tx.audit.after(since, limit=limit, subject=subject)]


def search_entries(
    store: Store,
    *,
    actor: str | None = None,
    action: str | None = None,
    action_prefix: str | None = None,
    subject: str | None = None,
    ts_from: str | None = None,
    ts_before: str | None = None,
    text: str | None = None,
    before: int | None = None,
    after: int | None = None,
    limit: int = 100,
    newest_first: bool = True,
) -> list[Entry]:
    """Like :func:`entries`, filtered in the database, for browsing the log a page at a
    time (see ``AuditLog.search``). ``text`` is found in the payload's canonical JSON,
    so it is JSON-encoded the same way first: a quote or backslash in it matches the
    payload's own. The entries are as stored: redact them before showing them."""
    needle = canonical_json(text)[1:-1] if text else None
    with store.transaction() as tx:
        rows = tx.audit.search(
            actor=actor,
            action=action,
            action_prefix=action_prefix,
            subject=subject,
            ts_from=ts_from,
            ts_before=ts_before,
            payload_text=needle,
            before=before,
            after=after,
            limit=limit,
            newest_first=newest_first,
        )
    return [_entry(r) for r in rows]


def head(store: Store) -> tuple[int, str]:
    """``(seq, hash)`` of the last entry, ``(0, GENESIS)`` for an empty log."""
    with store.transaction() as tx:
        return tx.audit.head() or (0, GENESIS)


def count(store: Store) -> int:
    with store.transaction() as tx:
        return tx.audit.count()


def verify(
    store: Store, *, full: bool = True, anchor: Position | None = None, batch: int = 10_000
) -> Verification:
    """Walk the chain; report the first entry that does not fit.

    ``full=True`` hashes every entry from the first. ``full=False`` hashes only the
    entries after the furthest trusted position: the one this process last verified in
    ``store`` (see the module docstring) or ``anchor`` (a signed checkpoint's ``(seq,
    hash)``), whichever is later; the entry at each of those positions is hashed again
    and must still have its hash (one row each). A position once verified is never
    forgotten: an incremental walk fails for as long as the entry there differs, even
    when the history was rewritten consistently; after any failure the incremental walks
    that follow start from the first entry, so they find the problem again."""
    memo = _memo(store)
    if full:
        result = _walk(store, (0, GENESIS), None, batch)
        same = memo is None or not _moved(store, memo.position)
        _remember(store, result, advance=same)
        return result
    pinned = memo.position if memo is not None else None
    start = (0, GENESIS)
    if memo is None or not memo.failed:
        start = max((p for p in (pinned, anchor) if p is not None), default=start)
    result = _walk(store, start, pinned, batch)
    _remember(store, result, advance=True)
    return result


def verified_position(store: Store) -> Position | None:
    """The furthest position this process verified in ``store``, if any."""
    memo = _memo(store)
    return memo.position if memo is not None else None


def _memo(store: Store) -> _Memo | None:
    with _memo_lock:
        memo = _memos.get(store)
        return _Memo(memo.position, memo.failed) if memo is not None else None


def _remember(store: Store, result: Verification, *, advance: bool) -> None:
    """Record a walk: a failed one (or a full walk that passed over a remembered entry
    that changed) marks the store, so the next incremental walk starts from the first."""
    with _memo_lock:
        memo = _memos.get(store)
        if memo is None:
            # a first walk that failed is remembered too (as nothing verified, failed):
            # else the next incremental walk would start at a signed checkpoint and pass
            # over the entry it just found changed
            position = (result.head_seq, result.head) if result.ok else (0, GENESIS)
            _memos[store] = _Memo(position, failed=not result.ok)
            return
        if not (result.ok and advance):
            memo.failed = True
            return
        if result.head_seq >= memo.position[0]:
            memo.position = (result.head_seq, result.head)
        memo.failed = False


def _walk(store: Store, start: Position, pinned: Position | None, batch: int) -> Verification:
    seq0, hash0 = start
    for seq, digest in {start, pinned or start}:
        problem = _rehash(store, seq, digest) if 0 < seq <= seq0 else ""
        if problem:
            return Verification(False, 0, hash0, seq, problem, seq0, seq0)
    prev, last, checked = hash0, seq0, 0
    while rows := _batch(store, last, batch):
        for row in rows:
            problem = _check(row, last + 1, prev) or _pinned(row, pinned)
            if problem:
                return Verification(False, checked, prev, row.seq, problem, last, seq0)
            prev, last, checked = row.hash, row.seq, checked + 1
    if pinned is not None and last < pinned[0]:
        problem = (
            f"the log ends at seq {last} but it was verified up to seq {pinned[0]} "
            "before: entries were deleted"
        )
        return Verification(False, checked, prev, last + 1, problem, last, seq0)
    return Verification(True, checked, prev, head_seq=last, start_seq=seq0)


def _rehash(store: Store, seq: int, digest: str) -> str:
    """Why the entry at ``seq``, once verified with hash ``digest``, no longer is (one row)."""
    with store.transaction() as tx:
        row = tx.audit.at(seq)
    if row is None:
        return f"entry {seq}, verified before, is gone: entries were deleted"
    if row.hash != digest:
        return _changed(seq)
    body = entry_hash(
        row.seq, row.ts, row.actor, row.action, row.subject, row.payload, row.prev_hash
    )
    return (
        "" if body == digest else f"entry {seq} was edited: its content no longer matches its hash"
    )


def _moved(store: Store, position: Position) -> bool:
    """Whether the entry at a remembered position no longer has its hash."""
    with store.transaction() as tx:
        found = tx.audit.at(position[0])
    return found is None or found.hash != position[1]


def _pinned(row: AuditRecord, pinned: Position | None) -> str:
    if pinned is None or row.seq != pinned[0] or row.hash == pinned[1]:
        return ""
    return _changed(row.seq)


def _changed(seq: int) -> str:
    return f"entry {seq} no longer has the hash it had when it was verified (history rewritten)"


def _batch(store: Store, last: int, size: int) -> Sequence[AuditRecord]:
    """The next ``size`` entries after ``last``."""
    with store.transaction() as tx:
        return tx.audit.after(last, limit=size)


def _check(row: AuditRecord, expected_seq: int, prev: str) -> str:
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


def _entry(row: AuditRecord) -> Entry:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        payload = {"unreadable": row.payload}
    return Entry(
        row.seq, row.ts, row.actor, row.action, row.subject, payload, row.prev_hash, row.hash
    )

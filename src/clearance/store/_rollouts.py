"""The store's queries for rollouts and their stage history.

A rollout row is compare-and-set: every UPDATE says ``WHERE version = <the version
read>`` (see :class:`~clearance.store._tables.RolloutRow`), and each mutation here bumps
the version and flushes at once, so a row another transaction changed first is a
:class:`~clearance.errors.ConflictError` raised here, never a SQLAlchemy error.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.exc import StaleDataError

from clearance.common import utc
from clearance.errors import ConflictError, NotFoundError
from clearance.store._releases import ReleaseRecord, Releases, _moment, release_record
from clearance.store._tables import Check, Release, RolloutRow, StageHistory


class RolloutNotFound(NotFoundError):
    """The release has no rollout (or its rollout has no stage entry)."""

    def __init__(self, release: str) -> None:
        super().__init__(
            f"release '{release}' has no rollout", fix=f"clearance rollout start {release}"
        )


@dataclass(frozen=True)
class RolloutRecord:
    """A release's rollout as stored: where it stands and which version that is."""

    id: int
    release_id: int
    release: str
    status: str
    stage_index: int
    weight: float
    salt: str
    version: int
    started_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StageEntryRecord:
    """One entry of a rollout's stage history (a stage entered, and maybe left)."""

    id: int
    rollout_id: int
    stage_index: int
    stage: str
    """The stage's label."""
    kind: str | None
    """The stage's kind (``shadow``, ``canary``, ...)."""
    weight: float
    audience: str
    entered_at: datetime
    exited_at: datetime | None
    outcome: str | None
    reasons: tuple[str, ...]
    """Why the stage was entered."""
    exit_reasons: tuple[str, ...]
    """Why it was left (empty while it is current)."""
    notified: tuple[str, ...]
    """Triggers already notified in this entry (a restarted controller does not repeat)."""


@dataclass(frozen=True)
class RouteRecord:
    """What a router needs of a rollout: status, weight, the current audience, salt, version."""

    status: str
    weight: float
    audience: str
    salt: str
    version: int


NOT_STARTED = "not_started"
"""The rollout status a release without a rollout is listed (and filtered) under."""

LISTING_SORTS = ("created", "name", "decision", "rollout", "transition", "checked")
"""What :meth:`Rollouts.release_page` sorts by: when the release was recorded (the
default, newest first), its name, its decision, its rollout's status, the rollout's
last change, its last check."""


@dataclass(frozen=True)
class ReleaseRollout:
    """One release as the releases list shows it: the release, when it was last
    checked, its rollout (None before it starts) and the current stage's label."""

    release: ReleaseRecord
    checked_at: datetime | None
    rollout: RolloutRecord | None
    stage: str | None


@dataclass(frozen=True)
class ReleasePage:
    """One page of releases with their rollouts, and how many match in all."""

    rows: list[ReleaseRollout]
    total: int


def _rollout(row: RolloutRow, release: str) -> RolloutRecord:
    return RolloutRecord(
        id=row.id,
        release_id=row.release_id,
        release=release,
        status=row.status,
        stage_index=row.stage_index,
        weight=row.weight,
        salt=row.salt,
        version=row.version,
        started_at=utc(row.started_at),
        updated_at=utc(row.updated_at),
    )


def _entry(row: StageHistory) -> StageEntryRecord:
    details: dict[str, Any] = row.reasons or {}
    return StageEntryRecord(
        id=row.id,
        rollout_id=row.rollout_id,
        stage_index=row.stage_index,
        stage=row.stage,
        kind=row.kind,
        weight=row.weight,
        audience=row.audience,
        entered_at=utc(row.entered_at),
        exited_at=utc(row.exited_at) if row.exited_at else None,
        outcome=row.outcome,
        reasons=tuple(details.get("reasons", [])),
        exit_reasons=tuple(details.get("exit_reasons", [])),
        notified=tuple(row.notified or []),
    )


@contextmanager
def _compare_and_set() -> Iterator[None]:
    """A rollout row changed under us anyway (compare-and-set failed) is a conflict."""
    try:
        yield
    except StaleDataError:
        raise ConflictError(
            "the rollout changed while this transition was being applied; nothing was changed",
            fix="read the rollout's status again and retry",
        ) from None


class Rollouts:
    """Queries over rollouts and their stage history, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, release: str) -> RolloutRecord | None:
        """``release``'s rollout, None before it starts (:class:`ReleaseNotFound` when
        there is no such release)."""
        found = Releases(self._session).get(release)
        row = self._by_release(found.id)
        return None if row is None else _rollout(row, release)

    def get(self, release: str) -> RolloutRecord:
        """``release``'s rollout; :class:`RolloutNotFound` before it starts."""
        found = self.find(release)
        if found is None:
            raise RolloutNotFound(release)
        return found

    def create(self, release: str, now: datetime) -> RolloutRecord:
        """A running rollout of ``release`` with no stage entered yet (a fresh salt)."""
        found = Releases(self._session).get(release)
        row = RolloutRow(
            release_id=found.id,
            status="running",
            stage_index=0,
            weight=0.0,
            salt=secrets.token_hex(8),
            version=0,
            started_at=now,
            updated_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return _rollout(row, release)

    def stages(self, rollout: RolloutRecord) -> list[StageEntryRecord]:
        """The rollout's stage history, oldest first."""
        return [_entry(row) for row in self._stage_rows(rollout.id)]

    def current(self, rollout: RolloutRecord) -> StageEntryRecord:
        """The rollout's latest stage entry."""
        return _entry(self._current_row(rollout))

    def enter(
        self,
        rollout: RolloutRecord,
        *,
        index: int,
        stage: str,
        kind: str,
        weight: float,
        audience: str,
        reasons: Sequence[str],
        now: datetime,
    ) -> RolloutRecord:
        """Record entering stage ``index`` (closing nothing: see :meth:`close`) and move
        the rollout to it: its index and weight, a new version."""
        self._session.add(
            StageHistory(
                rollout_id=rollout.id,
                stage_index=index,
                stage=stage,
                kind=kind,
                weight=weight,
                audience=audience,
                entered_at=now,
                exited_at=None,
                outcome=None,
                reasons={"reasons": list(reasons)},
                notified=[],
            )
        )
        return self.touch(rollout, now, stage_index=index, weight=weight)

    def close(
        self,
        rollout: RolloutRecord,
        outcome: str,
        reasons: Sequence[str],
        now: datetime,
        **details: Any,
    ) -> StageEntryRecord:
        """Close the current stage entry with ``outcome`` and its exit ``reasons``
        (``details`` are kept with them, e.g. what a forced exit skipped)."""
        row = self._current_row(rollout)
        row.exited_at, row.outcome = now, outcome
        row.reasons = {**(row.reasons or {}), "exit_reasons": list(reasons), **details}
        self._session.flush()
        return _entry(row)

    def touch(
        self,
        rollout: RolloutRecord,
        now: datetime,
        *,
        status: str | None = None,
        stage_index: int | None = None,
        weight: float | None = None,
    ) -> RolloutRecord:
        """Change the rollout (status, stage, weight) as one new version, compare-and-set
        on the version this transaction read."""
        row = self._row(rollout)
        if status is not None:
            row.status = status
        if stage_index is not None:
            row.stage_index = stage_index
        if weight is not None:
            row.weight = weight
        row.version += 1
        row.updated_at = now
        with _compare_and_set():
            self._session.flush()
        return _rollout(row, rollout.release)

    def set_status(self, rollout: RolloutRecord, status: str) -> RolloutRecord:
        """Set the status without a new version (within a transition that made one)."""
        row = self._row(rollout)
        row.status = status
        with _compare_and_set():
            self._session.flush()
        return _rollout(row, rollout.release)

    def mark_notified(self, rollout: RolloutRecord, trigger: str) -> bool:
        """Record that ``trigger`` was notified in the current stage entry; False when it
        already was (nothing changes)."""
        row = self._current_row(rollout)
        done = list(row.notified or [])
        if trigger in done:
            return False
        row.notified = [*done, trigger]
        self._session.flush()
        return True

    def route(self, release: str) -> RouteRecord | None:
        """What routers serve for ``release``: None when it has no rollout (or no such
        release). Two small reads, no locks."""
        query = (
            select(
                RolloutRow.id,
                RolloutRow.status,
                RolloutRow.weight,
                RolloutRow.salt,
                RolloutRow.version,
            )
            .join(Release, Release.id == RolloutRow.release_id)
            .where(Release.name == release)
        )
        row = self._session.execute(query).first()
        if row is None:
            return None
        audience = self._session.scalar(
            select(StageHistory.audience)
            .where(StageHistory.rollout_id == row.id)
            .order_by(StageHistory.id.desc())
            .limit(1)
        )
        return RouteRecord(row.status, row.weight, audience or "everyone", row.salt, row.version)

    def by_entry_time(self, release: str) -> tuple[RolloutRecord, list[StageEntryRecord]] | None:
        """The rollout and its stage entries ordered by when they were entered (the
        timeline's order), None when there is none."""
        found = Releases(self._session).find(release)
        row = None if found is None else self._by_release(found.id)
        if row is None:
            return None
        rows = self._session.scalars(
            select(StageHistory)
            .where(StageHistory.rollout_id == row.id)
            .order_by(StageHistory.entered_at, StageHistory.id)
        )
        return _rollout(row, release), [_entry(r) for r in rows]

    def release_page(
        self,
        *,
        text: str = "",
        decision: str | None = None,
        status: str | None = None,
        sort: str = "created",
        descending: bool = True,
        limit: int = 100,
        offset: int = 0,
    ) -> ReleasePage:
        """A page of releases with their rollouts and current stage, in two queries (the
        page and the count), never one per release. ``text`` matches the name or system
        (case-insensitive, taken literally); ``decision`` the release's status;
        ``status`` the rollout's (:data:`NOT_STARTED`: none yet). ``sort`` is one of
        :data:`LISTING_SORTS` (ValueError otherwise); releases without the sorted value
        (never checked, not started) come last either way, then newest first."""
        last = (
            select(Check.release_id, func.max(Check.created_at).label("at"))
            .group_by(Check.release_id)
            .subquery()
        )
        current = (
            select(StageHistory.rollout_id, func.max(StageHistory.id).label("entry"))
            .group_by(StageHistory.rollout_id)
            .subquery()
        )
        query = (
            select(Release, last.c.at, RolloutRow, StageHistory.stage)
            .outerjoin(last, last.c.release_id == Release.id)
            .outerjoin(RolloutRow, RolloutRow.release_id == Release.id)
            .outerjoin(current, current.c.rollout_id == RolloutRow.id)
            .outerjoin(StageHistory, StageHistory.id == current.c.entry)
        )
        query = _listing_filters(query, text, decision, status)
        total = self._session.scalar(select(func.count()).select_from(query.subquery())) or 0
        key = _listing_key(sort, last.c.at)
        order = key.desc() if descending else key.asc()
        query = query.order_by(order.nulls_last(), Release.created_at.desc(), Release.id.desc())
        rows = [
            ReleaseRollout(
                release=release_record(release),
                checked_at=_moment(at),
                rollout=None if rollout is None else _rollout(rollout, release.name),
                stage=stage,
            )
            for release, at, rollout, stage in self._session.execute(
                query.limit(limit).offset(offset)
            )
        ]
        return ReleasePage(rows, int(total))

    def _by_release(self, release_id: int) -> RolloutRow | None:
        return self._session.scalar(select(RolloutRow).where(RolloutRow.release_id == release_id))

    def _row(self, rollout: RolloutRecord) -> RolloutRow:
        row = self._session.get(RolloutRow, rollout.id)
        if row is None:
            raise RolloutNotFound(rollout.release)
        return row

    def _stage_rows(self, rollout_id: int) -> list[StageHistory]:
        query = select(StageHistory).where(StageHistory.rollout_id == rollout_id)
        return list(self._session.scalars(query.order_by(StageHistory.id)))

    def _current_row(self, rollout: RolloutRecord) -> StageHistory:
        row = self._session.scalar(
            select(StageHistory)
            .where(StageHistory.rollout_id == rollout.id)
            .order_by(StageHistory.id.desc())
            .limit(1)
        )
        if row is None:
            raise RolloutNotFound(rollout.release)
        return row


def _listing_filters(
    query: Select[Any], text: str, decision: str | None, status: str | None
) -> Select[Any]:
    """``query`` narrowed to the releases matching the list's filters."""
    if text:
        pattern = _contains(text)
        query = query.where(
            or_(
                Release.name.ilike(pattern, escape="\\"),
                Release.system.ilike(pattern, escape="\\"),
            )
        )
    if decision is not None:
        query = query.where(Release.status == decision)
    if status == NOT_STARTED:
        query = query.where(RolloutRow.id.is_(None))
    elif status is not None:
        query = query.where(RolloutRow.status == status)
    return query


_Key = ColumnElement[Any] | InstrumentedAttribute[Any]


def _listing_key(sort: str, checked_at: ColumnElement[Any]) -> _Key:
    """The column the releases list is sorted by."""
    keys: dict[str, _Key] = {
        "created": Release.created_at,
        "name": Release.name,
        "decision": Release.status,
        "rollout": func.coalesce(RolloutRow.status, NOT_STARTED),
        "transition": RolloutRow.updated_at,
        "checked": checked_at,
    }
    if sort not in keys:
        raise ValueError(f"unknown sort '{sort}': use one of {', '.join(LISTING_SORTS)}")
    return keys[sort]


def _contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    for char in ("\\", "%", "_"):
        text = text.replace(char, "\\" + char)
    return f"%{text}%"

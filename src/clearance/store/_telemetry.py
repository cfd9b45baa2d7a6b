"""The store's queries for telemetry events.

Batch inserts skip event ids already stored: SQLite takes the driver's ``executemany``
with ``INSERT OR IGNORE`` directly (its ``rowcount`` is the number of rows inserted),
with ``ts`` written in the exact text format SQLAlchemy uses for SQLite datetimes, so the
ORM reads the rows back as usual: several times faster than a Core ``insert`` with
``RETURNING``. PostgreSQL uses ``ON CONFLICT DO NOTHING RETURNING`` through SQLAlchemy's
batched "insertmanyvalues". The aggregates the rollout monitor needs are computed by the
database (:meth:`Telemetry.arm_sums`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import (
    Float,
    Integer,
    Select,
    Subquery,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from clearance.store._tables import TelemetryRow as EventRow

EVENT_COLUMNS = frozenset(c.name for c in EventRow.__table__.columns) - {"id"}
"""Every ``telemetry_events`` column but ``id``: what an inserted row carries."""


@dataclass(frozen=True)
class RowFormat:
    """How a row carries ``ts`` (epoch seconds in) and ``attributes`` for one dialect."""

    time: Callable[[float], Any]
    json: Callable[[dict[str, Any]], Any]


def _sqlite_time(ts: float) -> str:
    # SQLAlchemy's SQLite DATETIME text: UTC wall time, microseconds, no offset.
    return datetime.fromtimestamp(ts, UTC).isoformat(" ", "microseconds")[:26]


def _sqlite_json(value: dict[str, Any]) -> str:
    return json.dumps(value, separators=(",", ":")) if value else "{}"


SQLITE = RowFormat(_sqlite_time, _sqlite_json)
POSTGRESQL = RowFormat(lambda ts: datetime.fromtimestamp(ts, UTC), lambda value: value)


def row_format(dialect: str) -> RowFormat:
    """The row format :meth:`Telemetry.insert_new` takes on ``dialect``."""
    return SQLITE if dialect == "sqlite" else POSTGRESQL


Transform = Literal["raw", "share_above", "positive", "log"]


@dataclass(frozen=True)
class Measure:
    """One tested value per event, as SQL: a metric column turned into the value a
    sequential test tracks (NULL stays NULL)."""

    metric: str
    transform: Transform = "raw"
    higher_is_worse: bool = True
    threshold: float = 0.0
    """``share_above``: the value above which an event counts."""
    offset: float = 0.0
    """``log``: ``ln(max(x, 0) + offset)``."""
    boolean: bool = False
    """The column holds booleans (counted as 0 and 1)."""


SUMS_PER_MEASURE = 12
"""Per measure, the sums :meth:`Telemetry.arm_sums` returns (see :class:`ArmSums`)."""


@dataclass(frozen=True)
class ArmSums:
    """One arm's requests and units, and per measure twelve sums: the tested value's
    count, sum, sum of squares and the raw sum, the sums over units of ``n_u²``, ``s_u²``
    and ``n_u s_u``, the units with a value, and the same three unit sums for the
    field's absence (``events_u - n_u`` per unit) after its total."""

    arm: str
    requests: int
    units: int
    sums: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class RecentEvents:
    """The newest events of one release: time, arm and the asked metrics (None: absent)."""

    ts: tuple[datetime, ...]
    arms: tuple[str, ...]
    values: dict[str, tuple[float | None, ...]]


class Telemetry:
    """Queries over telemetry events, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def row_format(self) -> RowFormat:
        return row_format(self._session.get_bind().dialect.name)

    def insert_new(self, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> int:
        """Insert ``rows`` (values in ``columns`` order, made with :attr:`row_format`);
        returns how many were new (the rest had an ``event_id`` already stored)."""
        if set(columns) != EVENT_COLUMNS:
            raise ValueError(f"telemetry rows must carry exactly {sorted(EVENT_COLUMNS)}")
        if self._session.get_bind().dialect.name == "sqlite":
            return self._insert_sqlite(columns, rows)
        statement = (
            postgresql.insert(EventRow)
            .on_conflict_do_nothing(index_elements=[EventRow.release, EventRow.event_id])
            .returning(EventRow.id)
        )
        params = [dict(zip(columns, row, strict=True)) for row in rows]
        return len(self._session.execute(statement, params).all())

    def count(self) -> int:
        """Every stored event, of every release."""
        return int(self._session.scalar(select(func.count()).select_from(EventRow)) or 0)

    def round_trip(self) -> bool:
        """Whether an event written now reads back: written and read in a savepoint that
        is rolled back, so it never becomes part of the data."""
        event_id = f"clearance-probe-{uuid.uuid4()}"
        nested = self._session.begin_nested()
        try:
            self._session.add(
                EventRow(
                    event_id=event_id,
                    release="clearance-probe",
                    arm="control",
                    ts=datetime.now(UTC),
                    attributes={"probe": True},
                )
            )
            self._session.flush()
            query = select(func.count()).where(EventRow.event_id == event_id)
            return self._session.scalar(query) == 1
        finally:
            nested.rollback()

    def present(self, metrics: Sequence[str], newest: int) -> tuple[int, list[str]]:
        """Among the ``newest`` events (of every release): how many there are, and which
        of ``metrics`` at least one of them carries."""
        columns = [getattr(EventRow, m) for m in metrics]
        rows = self._session.execute(
            select(EventRow.id, *columns).order_by(EventRow.id.desc()).limit(newest)
        ).all()
        carried = [m for i, m in enumerate(metrics) if any(r[1 + i] is not None for r in rows)]
        return len(rows), carried

    def recent(self, release: str, metrics: Sequence[str], newest: int) -> RecentEvents:
        """The ``newest`` events of ``release``, newest first."""
        columns = [getattr(EventRow, m) for m in metrics]
        rows = self._session.execute(
            select(EventRow.ts, EventRow.arm, *columns)
            .where(EventRow.release == release)
            .order_by(EventRow.id.desc())
            .limit(newest)
        ).all()
        return RecentEvents(
            ts=tuple(r[0] for r in rows),
            arms=tuple(str(r[1]) for r in rows),
            values={
                m: tuple(None if r[2 + i] is None else float(r[2 + i]) for r in rows)
                for i, m in enumerate(metrics)
            },
        )

    def arm_sums(
        self, release: str, measures: Sequence[Measure], since: datetime, until: datetime
    ) -> list[ArmSums]:
        """Per arm, the sufficient statistics of each measure over ``release``'s events
        with ``since <= ts <= until``, grouped by routing unit first (an event without a
        unit is a unit of its own), so variances can be cluster-robust."""
        query = _per_arm(_per_unit(release, measures, since, until), len(measures))
        return [_arm_sums(row, len(measures)) for row in self._session.execute(query).all()]

    def _insert_sqlite(self, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> int:
        sql = (
            f"INSERT OR IGNORE INTO telemetry_events ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        dbapi = self._session.connection().connection.driver_connection
        cursor = dbapi.cursor()  # type: ignore[union-attr]
        try:
            # A 64 MB page cache (default 2 MB) keeps the unique index in memory.
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.executemany(sql, rows)
            return int(cursor.rowcount)
        finally:
            cursor.close()


def _arm_sums(row: Any, count: int) -> ArmSums:
    sums = tuple(
        tuple(
            float(x or 0.0) for x in row[3 + SUMS_PER_MEASURE * i : 3 + SUMS_PER_MEASURE * (i + 1)]
        )
        for i in range(count)
    )
    return ArmSums(str(row[0]), int(row[1] or 0), int(row[2] or 0), sums)


def _per_unit(
    release: str, measures: Sequence[Measure], since: datetime, until: datetime
) -> Subquery:
    """Per arm and routing unit: events, and per measure the count, sum and sum of
    squares of the tested value and the sum of the raw value."""
    anonymous = or_(EventRow.unit.is_(None), EventRow.unit == "")
    lone = case((anonymous, EventRow.id), else_=None)
    columns: list[Any] = [EventRow.arm.label("arm"), func.count().label("events")]
    for i, measure in enumerate(measures):
        raw = _numeric(measure)
        value = _tested(measure, raw)
        columns += [
            func.count(value).label(f"n{i}"),
            func.coalesce(func.sum(value), 0.0).label(f"s{i}"),
            func.coalesce(func.sum(value * value), 0.0).label(f"q{i}"),
            func.coalesce(func.sum(raw), 0.0).label(f"r{i}"),
        ]
    return (
        select(*columns)
        .where(EventRow.release == release, EventRow.ts >= since, EventRow.ts <= until)
        .group_by(EventRow.arm, EventRow.unit, lone)
        .subquery()
    )


def _per_arm(unit: Subquery, count: int) -> Select[Any]:
    c = unit.c
    events = cast(c.events, Float)
    columns: list[Any] = [c.arm, func.sum(c.events), func.count()]
    for i in range(count):
        n, s = cast(c[f"n{i}"], Float), c[f"s{i}"]
        missing = events - n
        columns += [
            func.sum(n),
            func.sum(s),
            func.sum(c[f"q{i}"]),
            func.sum(c[f"r{i}"]),
            func.sum(n * n),
            func.sum(s * s),
            func.sum(n * s),
            func.count(case((n > 0, 1), else_=None)),
            func.sum(missing),
            func.sum(events * events),
            func.sum(missing * missing),
            func.sum(events * missing),
        ]
    return select(*columns).group_by(c.arm)


def _numeric(measure: Measure) -> ColumnElement[Any]:
    column = getattr(EventRow, measure.metric)
    return cast(cast(column, Integer) if measure.boolean else column, Float)


def _tested(measure: Measure, raw: ColumnElement[Any]) -> ColumnElement[Any]:
    higher = measure.higher_is_worse
    if measure.transform in ("share_above", "positive"):
        hit = raw > (measure.threshold if measure.transform == "share_above" else 0)
        return case(
            (raw.is_(None), None), (hit, 1.0 if higher else 0.0), else_=0.0 if higher else 1.0
        )
    if measure.transform == "log":
        clipped = case((raw < 0, 0.0), else_=raw)
        return func.ln(clipped + measure.offset)
    return raw

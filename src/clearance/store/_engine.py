"""Opening the store: SQLite by default, PostgreSQL by URL, migrated on first use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from clearance.errors import StoreError, UsageError
from clearance.store._tx import Tx

DEFAULT_URL = "sqlite:///.clearance/clearance.db"
HEAD_REVISION = "0007"
"""Latest migration; a test checks it matches the migrations folder."""
_MIGRATION_LOCK = 7_466_151  # PostgreSQL advisory lock key for migrations
WRITE_LOCK = 7_466_152
"""PostgreSQL advisory lock key that exclusive sessions hold for their transaction: the
counterpart of SQLite's ``BEGIN IMMEDIATE`` database write lock."""


def database_url(explicit: str | None = None) -> str:
    """``explicit``, else ``CLEARANCE_DATABASE_URL``, else the SQLite default."""
    url = explicit or os.environ.get("CLEARANCE_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith(("sqlite", "postgresql")):
        raise UsageError(
            f"unsupported database URL '{url.split(':', 1)[0]}:...'",
            fix="use sqlite:///PATH or postgresql://USER@HOST:PORT/DB",
        )
    return url


class Store:
    """A migrated database and a session factory over it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, exclusive: bool = False) -> Iterator[Session]:
        """A session in one transaction, committed on success, rolled back on error.

        ``exclusive`` takes the database's write lock before the first read (SQLite
        ``BEGIN IMMEDIATE``; on PostgreSQL a transaction-scoped advisory lock that every
        exclusive session takes), so a read-check-write sequence cannot interleave with
        another exclusive writer on either database. Under PostgreSQL's READ COMMITTED,
        every read after the lock sees what the previous holder committed.
        """
        try:
            with self.engine.connect() as conn:
                if exclusive:
                    conn = conn.execution_options(clearance_immediate=True)
                with conn.begin(), Session(bind=conn, expire_on_commit=False) as session:
                    if exclusive and conn.dialect.name == "postgresql":
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK})
                    yield session
                    session.flush()  # pending objects are written before the commit
        except OperationalError as exc:
            raise StoreError(
                f"the store cannot be reached: {exc.orig}",
                fix="check CLEARANCE_DATABASE_URL / --db, and that the database server is running",
            ) from exc

    def ping(self) -> None:
        """One trivial query; :class:`StoreError` when the store cannot be reached."""
        with self.session() as session:
            session.execute(text("SELECT 1"))

    @contextmanager
    def transaction(self, *, exclusive: bool = False) -> Iterator[Tx]:
        """One transaction, committed on success and rolled back on error, whose
        aggregates (``tx.releases``, ``tx.runs``, ...) return frozen records.
        ``exclusive`` is as for :meth:`session`."""
        with self.session(exclusive=exclusive) as session:
            yield Tx(session)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (creating and migrating when needed) the store at ``url``."""
    resolved = database_url(url)
    engine = _create(resolved)
    try:
        if migrate:
            _migrate(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(
            f"cannot open the store: {exc.orig}",
            fix="check CLEARANCE_DATABASE_URL / --db, and that the database server is running",
        ) from None
    return Store(engine)


def _create(url: str) -> Engine:
    if url.startswith("sqlite"):
        _make_parent(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        _sqlite_events(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _make_parent(url: str) -> None:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is lazy).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("clearance_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _migrate(engine: Engine) -> None:
    with engine.connect() as probe:
        if _current_revision(probe) == HEAD_REVISION:
            return
    with engine.connect().execution_options(clearance_immediate=True) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        if _current_revision(conn) == HEAD_REVISION:
            return
        _upgrade(conn)


def _upgrade(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "clearance.store:migrations")
    config.attributes["connection"] = conn
    try:
        command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"migrating the store failed: {exc}") from None

"""Shared fixtures. The ``store`` fixture runs each test on SQLite and on PostgreSQL.

PostgreSQL comes from ``CLEARANCE_TEST_PG_URL`` (a database the tests may wipe), or else
from a throwaway database created on 127.0.0.1:5432 for this session. When neither is
reachable the PostgreSQL half is skipped, and the run's summary says so in capitals.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from clearance.store import Store, open_store
from clearance.store._tables import Base

_PG_STATE: dict[str, str] = {}
_LOCAL_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _admin_connect(url: str):
    import psycopg

    return psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True, connect_timeout=3
    )


def _pg_url() -> str | None:
    """URL of a PostgreSQL database for this session, or None (reason in _PG_STATE)."""
    if "url" in _PG_STATE or "skip" in _PG_STATE:
        return _PG_STATE.get("url")
    explicit = os.environ.get("CLEARANCE_TEST_PG_URL")
    if explicit:
        _PG_STATE["url"] = explicit
        return explicit
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _PG_STATE["skip"] = "psycopg is not installed"
        return None
    name = f"clearance_test_{uuid.uuid4().hex[:10]}"
    try:
        with _admin_connect(_LOCAL_PG) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        _PG_STATE["skip"] = f"no PostgreSQL at 127.0.0.1:5432 ({type(exc).__name__}: {exc})"
        return None
    _PG_STATE["url"] = _LOCAL_PG.rsplit("/", 1)[0] + "/" + name
    _PG_STATE["created"] = name
    return _PG_STATE["url"]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    name = _PG_STATE.get("created")
    if name:
        try:
            with _admin_connect(_LOCAL_PG) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception:
            pass


def pytest_terminal_summary(terminalreporter) -> None:
    if "skip" in _PG_STATE:
        terminalreporter.write_line(
            f"POSTGRESQL HALF SKIPPED: {_PG_STATE['skip']}. Set CLEARANCE_TEST_PG_URL "
            "or start PostgreSQL to run it.",
            yellow=True,
            bold=True,
        )
    elif "url" in _PG_STATE:
        terminalreporter.write_line("store tests ran on SQLite and on PostgreSQL")


def _wipe(store: Store) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL, once per backend, holding an empty migrated store."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clearance.db'}"
    url = _pg_url()
    if url is None:
        pytest.skip(f"PostgreSQL half skipped: {_PG_STATE['skip']}")
    store = open_store(url)
    _wipe(store)
    store.close()
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'clearance.db'}")
    yield opened
    opened.close()

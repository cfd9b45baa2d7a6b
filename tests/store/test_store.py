"""The store opens, migrates once, and refuses bad URLs clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from clearance.errors import StoreError, UsageError
from clearance.store import HEAD_REVISION, Store, database_url, open_store
from clearance.store._tables import Base


def test_head_revision_matches_migrations() -> None:
    config = Config()
    config.set_main_option("script_location", "clearance.store:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_migrated_schema_matches_models(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            HEAD_REVISION
        )


def test_reopening_is_idempotent(store_url: str) -> None:
    for _ in range(2):
        open_store(store_url).close()


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'x' / 'c.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()


def test_database_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///.clearance/clearance.db"
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", "postgresql://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    with pytest.raises(UsageError, match="unsupported database URL"):
        database_url("mysql://x")


def test_unreachable_postgres_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store("postgresql://postgres@127.0.0.1:1/none?connect_timeout=2")

"""Throwaway stores next to the user's: where the rollback drill writes its release and
rollout, so no drill row is ever part of the user's data.

On SQLite the scratch store is a database file in a temporary folder; on PostgreSQL it is
a schema of its own in the same database (the drill then times the same server), dropped
afterwards. Both have the rollout tables only.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from clearance.store._engine import Store, open_store
from clearance.store._tables import Base, Release

_TABLES = ("releases", "rollouts", "rollout_stages")


def shared_url(store: Store) -> str | None:
    """``store``'s URL for another process (with its password), None when in memory."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


class Scratch:
    """A throwaway store beside ``store`` (same kind of database); :meth:`close` removes it."""

    def __init__(self, store: Store) -> None:
        url = shared_url(store)
        if url is None:
            raise ValueError("an in-memory store has no scratch store other processes can read")
        self._folder: Path | None = None
        self._schema: str | None = None
        self._owner = store
        if store.dialect == "sqlite":
            self._folder = Path(tempfile.mkdtemp(prefix="clearance-scratch-"))
            self.url = f"sqlite:///{self._folder / 'scratch.db'}"
        else:
            self._schema = f"clearance_scratch_{uuid.uuid4().hex[:12]}"
            with store.engine.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self._schema}"'))
            self.url = _with_search_path(url, self._schema)
        self.store = open_store(self.url, migrate=False)
        tables = [Base.metadata.tables[name] for name in _TABLES]
        Base.metadata.create_all(self.store.engine, tables=tables)

    def add_release(self, name: str, system: str) -> None:
        """A release row to hang a rollout off (no check, no evidence)."""
        with self.store.session(exclusive=True) as session:
            session.add(
                Release(
                    name=name,
                    system=system,
                    candidate_fingerprint="-",
                    policy_hash="-",
                    status="drill",
                    created_by="clearance",
                    created_at=datetime.now(UTC),
                )
            )

    def close(self) -> None:
        """Remove the scratch store (safe to call twice)."""
        self.store.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        if self._schema is not None:
            with self._owner.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self._schema}" CASCADE'))
            self._schema = None


def _with_search_path(url: str, schema: str) -> str:
    parsed = make_url(url)
    query = {**parsed.query, "options": f"-csearch_path={schema}"}
    return parsed.set(query=query).render_as_string(hide_password=False)

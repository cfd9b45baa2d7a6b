"""Migration 0007 on a 0006 store with data in it, on SQLite and PostgreSQL: a stage
entry's kind, audience and notified triggers move out of ``reasons`` into their own
columns (and back on downgrade), and the drill's and probes' sentinel rows are removed."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text

from clearance.store import database_url, open_store

NOW = "2026-01-01 00:00:00.000000"
LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
"""The conftest's default PostgreSQL (it skips the PostgreSQL half when that is down)."""


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (PostgreSQL: a schema of its own, dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    url = database_url(os.environ.get("CLEARANCE_TEST_PG_URL") or LOCAL_PG)
    schema = f"mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", "clearance.store:migrations")
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, revision)


def insert(engine: Engine, table: str, **values: Any) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    with engine.begin() as conn:
        found = conn.execute(
            text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values
        )
        return int(found.scalar_one())


def release(engine: Engine, name: str) -> int:
    return insert(
        engine,
        "releases",
        name=name,
        system="bot",
        candidate_fingerprint="c",
        policy_hash="p",
        status="cleared",
        created_by="t",
        created_at=NOW,
    )


def rollout(engine: Engine, release_id: int) -> int:
    return insert(
        engine,
        "rollouts",
        release_id=release_id,
        status="running",
        stage_index=1,
        weight=0.2,
        salt="s",
        version=3,
        started_at=NOW,
        updated_at=NOW,
    )


def stage(engine: Engine, rollout_id: int, label: str, reasons: dict[str, Any]) -> int:
    return insert(
        engine,
        "rollout_stages",
        rollout_id=rollout_id,
        stage_index=0,
        stage=label,
        weight=0.2,
        entered_at=NOW,
        reasons=json.dumps(reasons),
    )


OLD_CANARY = {
    "kind": "canary",
    "audience": "beta",
    "reasons": ["started"],
    "notified": ["cost_spike"],
    "exit_reasons": ["looked fine"],
}


def stages(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT stage, kind, audience, notified, reasons FROM rollout_stages")
        ).all()
    return {
        r[0]: {
            "kind": r[1],
            "audience": r[2],
            "notified": _json(r[3]),
            "reasons": _json(r[4]),
        }
        for r in rows
    }


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def test_0007_moves_stage_details_to_columns_and_back(empty_url: str) -> None:
    engine = create_engine(database_url(empty_url))
    try:
        migrate(engine, "0006")
        real = rollout(engine, release(engine, "bot@v2"))
        stage(engine, real, "canary", OLD_CANARY)
        stage(engine, real, "legacy", {"reasons": []})  # written before audience was kept
        drill = rollout(engine, release(engine, "__rollback_drill__-0123456789ab"))
        stage(engine, drill, "drill", {"kind": "full_rollout", "audience": "everyone"})
        for name in ("__probe__", "bot@v2"):
            insert(
                engine,
                "telemetry_events",
                event_id=f"e-{name}",
                release=name,
                arm="control",
                ts=NOW,
                attributes="{}",
            )
        engine.dispose()
        with open_store(empty_url) as store, store.transaction() as tx:  # migrates to head
            found = tx.rollouts.get("bot@v2")
            entries = tx.rollouts.stages(found)
            assert tx.releases.find("__rollback_drill__-0123456789ab") is None
            assert tx.telemetry.count() == 1
        canary, legacy = entries
        assert (canary.kind, canary.audience, canary.notified) == (
            "canary",
            "beta",
            ("cost_spike",),
        )
        assert canary.reasons == ("started",) and canary.exit_reasons == ("looked fine",)
        assert (legacy.kind, legacy.audience, legacy.notified) == (None, "everyone", ())
        after = stages(engine)
        assert set(after) == {"canary", "legacy"}
        assert after["canary"]["reasons"] == {
            "reasons": ["started"],
            "exit_reasons": ["looked fine"],
        }
        migrate(engine, "0006", down=True)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT stage, reasons FROM rollout_stages")).all()
        back = {r[0]: _json(r[1]) for r in rows}
        assert back["canary"] == OLD_CANARY
        assert back["legacy"] == {
            "reasons": [],
            "kind": None,
            "audience": "everyone",
            "notified": [],
        }
    finally:
        engine.dispose()

"""``clearance check`` on the bundled example drills a rollback and probes the telemetry
sink, yet leaves no drill release and no probe event in the user's store, and
``GET /v1/releases`` lists the checked release only."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from clearance import governance
from clearance.cli import run
from clearance.policy import load_policy
from clearance.release._drill import PREFIX
from clearance.server import create_app
from clearance.store import Store, open_store
from clearance.store._tables import Release, RolloutRow, StageHistory, TelemetryRow
from cli.conftest import EXAMPLE


def test_check_writes_no_sentinel_rows(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True)
    policy, db = tmp_path / "clearance.yaml", f"sqlite:///{tmp_path / 'c.db'}"
    with open_store(db) as store:
        _log_writes(store)
    assert run(["check", "-p", str(policy), "--db", db]) in (0, 1)
    with open_store(db) as store:
        with store.session() as session:
            written = list(session.execute(text("SELECT what FROM sentinel_log")).scalars())
            names = list(session.scalars(select(Release.name)))
            probes = session.scalar(
                select(func.count()).where(TelemetryRow.release.in_(["__probe__"]))
            )
            events = session.scalar(select(func.count()).select_from(TelemetryRow))
            rollouts = session.scalar(select(func.count()).select_from(RolloutRow))
            stages = session.scalar(select(func.count()).select_from(StageHistory))
        assert written == ["release northwind-support-assistant@2.0.0"]  # committed writes
        assert names == ["northwind-support-assistant@2.0.0"]
        assert not any(name.startswith(PREFIX) for name in names)
        assert (probes, events, rollouts, stages) == (0, 0, 0, 0)
        token = governance.create_user(store, "viewer")
        app = create_app(store=store, policy=load_policy(policy))
        with TestClient(app, base_url="http://127.0.0.1") as client:
            listed = client.get("/v1/releases", headers={"Authorization": f"Bearer {token}"})
        assert [r["name"] for r in listed.json()] == names


def _log_writes(store: Store) -> None:
    """Every committed insert into ``releases`` and ``telemetry_events``, as SQLite
    triggers log them (a write rolled back never happened, so its log line goes too)."""
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE sentinel_log (what TEXT)"))
        for table, column, kind in (
            ("releases", "name", "release"),
            ("telemetry_events", "release", "event"),
        ):
            conn.execute(
                text(
                    f"CREATE TRIGGER log_{table} AFTER INSERT ON {table} BEGIN "
                    f"INSERT INTO sentinel_log VALUES ('{kind} ' || NEW.{column}); END"
                )
            )

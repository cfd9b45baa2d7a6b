"""``rollback.drill_seconds`` times a real route switch: the drill rolls back a rollout in
a throwaway store beside the user's and a ``Router`` in another process must serve the
control, within ``rollout.rollback_limit_s``; on SQLite and on PostgreSQL. Nothing is
written to the user's store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from checkkit import evidence, policy
from clearance.checklist import decide
from clearance.policy import Policy
from clearance.release import Probes, measure
from clearance.release import _drill as drill_module
from clearance.release._drill import PREFIX, Drill
from clearance.release._probes import rollback_drill
from clearance.store import Scratch, Store, open_store
from clearance.store._tables import Release, RolloutRow, StageHistory

METRIC = "rollback.drill_seconds"


def drill_policy(tmp_path: Path, limit_s: float) -> Policy:
    return policy(
        {"rollback": [{"metric": METRIC, "max": limit_s}]},
        tmp=tmp_path,
        rollout={"rollback_limit_s": limit_s},
    )


def drill(p: Policy, store: Store) -> tuple[float | None, str]:
    probes = Probes()
    rollback_drill(p, Drill.begin(store), probes)
    return probes.values[METRIC], probes.notes.get(METRIC, "")


def drill_releases(store: Store) -> int:
    with store.session() as session:
        query = select(func.count()).where(Release.name.startswith(PREFIX, autoescape=True))
        return int(session.scalar(query) or 0)


def test_the_drill_waits_for_a_router_in_another_process(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Routers that re-read the store every second: the switch cannot be seen sooner than
    # the reader's next read (a timed database write takes milliseconds).
    monkeypatch.setattr(drill_module, "READER_REFRESH_S", 1.0)
    value, note = drill(drill_policy(tmp_path, 30.0), store)
    assert value is not None, note
    assert 0.3 < value < 30.0, note
    assert "router in another process served the control" in note
    assert drill_releases(store) == 0


def test_the_default_router_switches_within_its_refresh(tmp_path: Path, store: Store) -> None:
    value, note = drill(drill_policy(tmp_path, 30.0), store)
    assert value is not None, note
    assert 0.0 < value < 5.0, note
    assert "the Router default" in note


def test_a_router_that_does_not_switch_in_time_fails_the_gate(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drill_module, "READER_REFRESH_S", 600.0)  # never re-reads
    p = drill_policy(tmp_path, 0.5)
    value, note = drill(p, store)
    assert value is not None and value > 0.5, note
    assert "still served the candidate" in note and "rollback_limit_s (0.5 s)" in note
    report = decide(p, evidence((), probes={METRIC: value}))
    assert report.area("rollback").status == "fail"
    assert drill_releases(store) == 0


def test_an_in_memory_store_cannot_be_drilled(tmp_path: Path) -> None:
    with open_store("sqlite://") as store:
        value, note = drill(drill_policy(tmp_path, 30.0), store)
    assert value is None
    assert "in-memory" in note


def test_the_drill_writes_nothing_to_the_users_store(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[Scratch] = []
    real = Scratch  # the class _drill uses (it imports it from clearance.store)

    def spy(owner: Store) -> Scratch:
        made.append(real(owner))
        return made[-1]

    monkeypatch.setattr(drill_module, "Scratch", spy)
    before = rows(store)
    value, note = drill(drill_policy(tmp_path, 30.0), store)
    assert value is not None, note
    assert rows(store) == before == (0, 0, 0)
    assert len(made) == 1 and made[0].url != str(store.engine.url)
    assert not exists(store, made[0].url)  # the throwaway store is gone


def exists(store: Store, scratch_url: str) -> bool:
    if store.dialect == "sqlite":
        return Path(scratch_url.removeprefix("sqlite:///")).parent.exists()
    schema = scratch_url.rsplit("search_path%3D", 1)[-1].rsplit("search_path=", 1)[-1]
    with store.session() as session:
        query = text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s")
        return bool(session.scalar(query, {"s": schema}))


def rows(store: Store) -> tuple[int, int, int]:
    with store.session() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Release, RolloutRow, StageHistory)
        )


def test_every_check_drills_the_route(tmp_path: Path, store: Store) -> None:
    probes = measure(drill_policy(tmp_path, 30.0), store, "e" * 64)
    assert probes.values[METRIC] is not None, probes.notes
    assert "router in another process" in probes.notes[METRIC]
    assert drill_releases(store) == 0


def test_a_router_process_that_cannot_read_the_store_is_reported(
    tmp_path: Path, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'another.db'}"  # no tables: not the store
    real_env = drill_module._reader_env
    monkeypatch.setattr(drill_module, "_reader_env", lambda url: real_env(elsewhere))
    value, note = drill(drill_policy(tmp_path, 30.0), sqlite_store)
    assert value is None
    assert "router process failed" in note and "no such table" in note
    assert drill_releases(sqlite_store) == 0

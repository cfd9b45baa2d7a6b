"""``clearance rollout watch`` rides out a store outage: each failed look is retried with
bounded backoff, one line on stderr per retry, and the watch carries on to the end. An
outage longer than ``--outage-limit`` ends it with exit 4 (never 1, "rolled back"), a
one-line error and no traceback.

The PostgreSQL tests take the database away for real: connections to it are refused
(``ALLOW_CONNECTIONS false``) and the open ones terminated (``pg_terminate_backend``).
The SQLite test fails every statement at the driver for a while, as a file that cannot
be opened would; it runs wherever PostgreSQL does not.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError, OperationalError

from clearance.cli import _rollout_watch, run
from clearance.cli._rollout_watch import OUTAGE_EXIT, Outage, is_store_outage
from clearance.errors import StoreError
from clearance.policy import load_policy
from clearance.rollout import status
from clearance.store import open_store
from rollout.kit import add_release, policy_data

R = "bot@v2"
FAST = (0.05, 0.2)
"""Backoff for in-process tests: 0.05, 0.1, 0.2, 0.2 ... seconds."""


def _policy(folder: Path, offline_s: float) -> str:
    """An offline stage of ``offline_s`` seconds, then full rollout: done by itself."""
    data = policy_data()
    data["owners"] = {"approve_changes": ["alice"]}
    data["rollout"]["stages"] = [
        {"stage": "offline_evals", "weight": 0.0, "audience": "none", "min_duration_s": offline_s},
        {"stage": "full_rollout", "weight": 1.0},
    ]
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _started(url: str, policy: str) -> None:
    with open_store(url) as store:
        source = load_policy(policy).source
        assert source is not None
        add_release(store, R, policy_hash=source.digest)  # checked with this very policy
    assert run(["rollout", "start", R, "--policy", policy, "--db", url, "--as", "alice"]) == 0


# --------------------------------------------------------------------------- backoff


def test_backoff_doubles_to_its_cap_and_stops_at_the_limit() -> None:
    outage = Outage(began=0.0, limit_s=300.0, backoff=(1.0, 30.0))
    delays, now = [], 0.0
    while (delay := outage.next_delay(now)) is not None:
        delays.append(delay)
        now += delay
    assert delays[:7] == [1, 2, 4, 8, 16, 30, 30]
    assert sum(delays) == pytest.approx(300.0)  # the last wait is clamped to the limit
    assert Outage(began=0.0, limit_s=0.0, backoff=(1.0, 30.0)).next_delay(0.0) is None


def test_only_store_failures_count_as_an_outage() -> None:
    orig = sqlite3.OperationalError("unable to open database file")
    assert is_store_outage(OperationalError("SELECT 1", {}, orig))
    assert is_store_outage(StoreError("cannot open the store"))
    assert not is_store_outage(IntegrityError("INSERT", {}, sqlite3.IntegrityError("dup")))
    assert not is_store_outage(ValueError("a bug"))


# --------------------------------------------------------------------------- SQLite


class _BrokenDriver:
    """While ``down``, every statement on every engine fails as an unopenable file does."""

    def __init__(self) -> None:
        self.down = False
        self.failures = 0

    def __call__(self, *_args: Any) -> None:
        if self.down:
            self.failures += 1
            raise OperationalError(
                "SELECT ...", {}, sqlite3.OperationalError("unable to open database file")
            )


@pytest.fixture
def broken_driver() -> Iterator[_BrokenDriver]:
    driver = _BrokenDriver()
    event.listen(Engine, "before_cursor_execute", driver)
    yield driver
    event.remove(Engine, "before_cursor_execute", driver)


def _after_first_look(monkeypatch: pytest.MonkeyPatch, action: Any) -> None:
    """Run ``action`` once the watch has made its first look (so the outage falls in the
    watch loop, not in its start-up, however loaded the machine is)."""
    from clearance.rollout import Controller

    tick, fired = Controller.tick, threading.Event()

    def tick_then_act(self: Controller, *args: Any, **kwargs: Any) -> Any:
        result = tick(self, *args, **kwargs)
        if not fired.is_set():
            fired.set()
            action()
        return result

    monkeypatch.setattr(Controller, "tick", tick_then_act)


def _later(seconds: float, action: Any) -> threading.Timer:
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
    return timer


def test_watch_rides_out_a_sqlite_outage(
    tmp_path: Path,
    broken_driver: _BrokenDriver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, policy = f"sqlite:///{tmp_path / 'c.db'}", _policy(tmp_path, offline_s=2.0)
    _started(url, policy)
    capsys.readouterr()
    monkeypatch.setattr(_rollout_watch, "BACKOFF_S", FAST)
    _after_first_look(
        monkeypatch,
        lambda: (
            _later(0.2, lambda: setattr(broken_driver, "down", True)),
            _later(1.2, lambda: setattr(broken_driver, "down", False)),
        ),
    )
    code = run(["rollout", "watch", R, "--policy", policy, "--db", url, "--interval", "0.1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert broken_driver.failures > 0
    retries = [line for line in captured.err.splitlines() if "store unavailable" in line]
    assert len(retries) >= 3 and "unable to open database file" in retries[0]
    assert "store reachable again" in captured.err and "Traceback" not in captured.err
    assert "completed" in captured.out.splitlines()[-1]
    with open_store(url) as store:
        assert status(store, R).status == "completed"


def test_watch_gives_up_after_the_outage_limit_with_its_own_code(
    tmp_path: Path,
    broken_driver: _BrokenDriver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, policy = f"sqlite:///{tmp_path / 'c.db'}", _policy(tmp_path, offline_s=600)
    _started(url, policy)
    capsys.readouterr()
    monkeypatch.setattr(_rollout_watch, "BACKOFF_S", FAST)
    _after_first_look(
        monkeypatch, lambda: _later(0.1, lambda: setattr(broken_driver, "down", True))
    )
    argv = ["rollout", "watch", R, "--policy", policy, "--db", url, "--interval", "0.1"]
    began = time.monotonic()
    code = run([*argv, "--outage-limit", "1"])
    broken_driver.down = False
    captured = capsys.readouterr()
    assert code == OUTAGE_EXIT == 4
    assert 1.0 <= time.monotonic() - began < 10
    assert "beyond the outage limit of 1s" in captured.err and "fix:" in captured.err
    assert "Traceback" not in captured.err
    with open_store(url) as store:
        assert status(store, R).status == "running"  # left as it was


# --------------------------------------------------------------------------- PostgreSQL


def _admin_url() -> str:
    explicit = os.environ.get("CLEARANCE_TEST_PG_URL")
    if explicit:
        return explicit.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    return "postgresql://postgres@127.0.0.1:5432"


class _Database:
    """A throwaway PostgreSQL database that can be taken away and given back."""

    def __init__(self, admin: Any, name: str, url: str) -> None:
        self.admin, self.name, self.url = admin, name, url

    def take_away(self) -> None:
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.name,),
        )

    def give_back(self) -> None:
        self.admin.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture
def pg_database() -> Iterator[_Database]:
    psycopg = pytest.importorskip("psycopg")
    name = f"clearance_outage_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(f"{_admin_url()}/postgres", autocommit=True, connect_timeout=3)
        admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL to take away ({type(exc).__name__}: {exc})")
    url = f"{_admin_url().replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    database = _Database(admin, name, url)
    try:
        yield database
    finally:
        database.give_back()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_watch_rides_out_a_postgresql_outage(
    tmp_path: Path,
    pg_database: _Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, policy = pg_database.url, _policy(tmp_path, offline_s=3.5)
    _started(url, policy)
    capsys.readouterr()
    monkeypatch.setattr(_rollout_watch, "BACKOFF_S", FAST)
    _after_first_look(
        monkeypatch,
        lambda: (_later(0.3, pg_database.take_away), _later(2.1, pg_database.give_back)),
    )
    code = run(["rollout", "watch", R, "--policy", policy, "--db", url, "--interval", "0.2"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    retries = [line for line in captured.err.splitlines() if "store unavailable" in line]
    assert len(retries) >= 3, captured.err
    assert "store reachable again" in captured.err and "Traceback" not in captured.err
    with open_store(url) as store:
        assert status(store, R).status == "completed"


def test_watch_process_exits_4_without_a_traceback_when_postgresql_stays_away(
    tmp_path: Path, pg_database: _Database
) -> None:
    url, policy = pg_database.url, _policy(tmp_path, offline_s=600)
    _started(url, policy)
    watch = [sys.executable, "-m", "clearance", "rollout", "watch", R, "--policy", policy]
    proc = subprocess.Popen(
        [*watch, "--db", url, "--interval", "0.2", "--outage-limit", "1.5"],
        env={**os.environ, "PYTHONUNBUFFERED": "1", "CLEARANCE_USER": "watcher"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the first look succeeded: now take the store away
        assert "offline_evals" in first, first
        pg_database.take_away()
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        pg_database.give_back()
    assert proc.returncode == OUTAGE_EXIT, err
    assert "store unavailable" in err and "beyond the outage limit of 1.5s" in err
    assert "Traceback" not in err and "fix:" in err
    with open_store(url) as store:
        assert status(store, R).status == "running"

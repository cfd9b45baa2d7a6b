"""The rollback drill: switch a real route back to the control and time how long a router
in another process takes to serve it.

A drill release is created in the store with its rollout at full weight (every unit on
the candidate), and a :class:`~clearance.rollout.Router` is started in a separate Python
process against the same database, exactly as ``clearance serve`` or an application
embeds one (same class, same refresh interval). Once that process serves the candidate,
the drill writes a rollback the way the controller does (weight 0, status
``rolled_back``, a new version, in an exclusive transaction) and waits until the other
process serves the control. The time from the start of that write to the observation is
``rollback.drill_seconds``. The wait is bounded by ``rollout.rollback_limit_s``: a router
that has not switched by then gives the time waited (above the limit) and a note. The
drill release is deleted afterwards, so the store is left as it was.

The reader process is started first (:meth:`Drill.begin`) and the drill run last
(:meth:`Drill.finish`), so its start-up overlaps the other probes.

The reader is ``_drill_reader.py`` next to this file, started by path (not with ``-m``)
so that it imports the router and the store only, not the release package.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from clearance.policy import Stage
from clearance.rollout import Router
from clearance.rollout import _state as rollout_state
from clearance.store import Release, RolloutRow, StageHistory, Store

PREFIX = "__rollback_drill__"
"""Name prefix of drill releases (deleted after each drill; older leftovers are swept)."""
UNIT = "drill-reader"
"""The unit the reader routes: a public id, so the drill stage's audience includes it."""
READER_REFRESH_S: float | None = None
"""The reader's ``Router(refresh_s=...)``; None keeps the router's default, which is what
``clearance serve`` and embedded routers use. Tests set it to simulate slow routers."""
READY_TIMEOUT_S = 60.0
"""How long the reader may take to start and serve the armed route (not timed)."""
STALE_AFTER = timedelta(hours=1)
"""Drill releases untouched for this long were left by a killed check: swept."""


@dataclass(frozen=True)
class DrillResult:
    """``rollback.drill_seconds`` and its note (value None: the drill could not run)."""

    seconds: float | None
    note: str


@dataclass(frozen=True)
class _Line:
    text: str | None  # None: the reader closed its output (exited)
    at: float


class Drill:
    """One rollback drill: :meth:`begin` arms it, :meth:`finish` runs it and cleans up."""

    def __init__(self, store: Store, name: str, reader: subprocess.Popen[str] | None) -> None:
        self.store, self.name, self._reader = store, name, reader
        self._lines: queue.Queue[_Line] = queue.Queue()
        self._stderr: IO[str] | None = None
        self._problem = ""
        self._closed = False
        self._exited = False
        self._pump_thread: threading.Thread | None = None

    @classmethod
    def begin(cls, store: Store) -> Drill:
        """Create the armed drill release and start the reader process."""
        url = _shared_url(store)
        name = f"{PREFIX}-{uuid.uuid4().hex[:12]}"
        if url is None:
            drill = cls(store, name, None)
            drill._problem = (
                "the store is an in-memory SQLite database, which no other process (no "
                "router) can read: use a database file or PostgreSQL"
            )
            return drill
        _sweep(store)
        _arm(store, name)
        stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by close())
        try:
            reader = subprocess.Popen(
                _reader_command(name),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=_reader_env(url),
            )
        except OSError as exc:
            stderr.close()
            drill = cls(store, name, None)
            drill._problem = f"cannot start a router process: {exc}"
            return drill
        drill = cls(store, name, reader)
        drill._stderr = stderr
        assert reader.stdout is not None
        drill._pump_thread = threading.Thread(target=drill._pump, args=(reader.stdout,))
        drill._pump_thread.daemon = True
        drill._pump_thread.start()
        return drill

    def finish(self, limit_s: float) -> DrillResult:
        """Wait for the reader to serve the candidate, roll back, time until it serves the
        control (at most ``limit_s``), then delete the drill release."""
        try:
            return self._run(limit_s)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the reader and delete the drill release (safe to call twice)."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.kill()
            reader.wait()
            if self._pump_thread is not None:
                self._pump_thread.join(5.0)  # the pipe is at its end once the process is gone
            if reader.stdout is not None:
                reader.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if not self._closed:
            self._closed = True
            _remove(self.store, self.name)

    def _run(self, limit_s: float) -> DrillResult:
        if self._reader is None:
            return DrillResult(None, self._problem)
        ready = self._wait_for("candidate", time.perf_counter() + READY_TIMEOUT_S)
        if ready is None:
            return DrillResult(None, self._not_started())
        started = time.perf_counter()
        _roll_back(self.store, self.name)
        written = time.perf_counter()
        seen = self._wait_for("control", started + limit_s)
        if seen is None:
            waited = time.perf_counter() - started
            if self._exited:
                return DrillResult(None, f"the router process died: {self._stderr_tail()}")
            return DrillResult(
                waited,
                f"a router in another process still served the candidate {waited:.1f} s after "
                f"the rollback was written: more than rollout.rollback_limit_s ({limit_s:g} s)",
            )
        elapsed = seen - started
        return DrillResult(
            elapsed,
            f"a router in another process served the control {elapsed:.3f} s after the "
            f"rollback began (write {written - started:.3f} s); it had just read the route, "
            f"so this is about one refresh interval ({_refresh_label()}) plus one read: the "
            "slowest a router switches",
        )

    def _wait_for(self, arm: str, deadline: float) -> float | None:
        """When the reader reported serving ``arm`` (None: not by ``deadline``, or it exited)."""
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                return None
            if line.text is None:
                self._exited = True
                return None
            if line.text == arm:
                return line.at

    def _pump(self, stream: IO[str]) -> None:
        """Reader thread: every line of the router process, stamped when it arrived."""
        for raw in stream:
            self._lines.put(_Line(raw.strip(), time.perf_counter()))
        self._lines.put(_Line(None, time.perf_counter()))

    def _not_started(self) -> str:
        assert self._reader is not None
        if self._exited:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._reader.wait(5.0)  # its output ended: it is exiting
        if self._reader.poll() is not None:
            return f"the drill's router process failed: {self._stderr_tail()}"
        return (
            f"the drill's router process did not serve the armed drill route within "
            f"{READY_TIMEOUT_S:g} s: routers may not be reading this store"
        )

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return "no output"
        self._stderr.seek(0)
        lines = [line.strip() for line in self._stderr.read().splitlines() if line.strip()]
        errors = [line for line in lines if re.match(r"[\w.]+(Error|Exception)\b", line)]
        found = errors or lines
        return found[-1][:300] if found else "no output"


def _refresh_label() -> str:
    if READER_REFRESH_S is None:
        default = inspect.signature(Router).parameters["refresh_s"].default
        return f"the Router default, {default:g} s"
    return f"{READER_REFRESH_S:g} s"


def _shared_url(store: Store) -> str | None:
    """The store's URL for another process (with its password), None when in memory."""
    url = store.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


def _reader_command(name: str) -> list[str]:
    refresh = "default" if READER_REFRESH_S is None else repr(READER_REFRESH_S)
    deadline = READY_TIMEOUT_S + 600.0  # the parent kills it long before
    reader = Path(__file__).with_name("_drill_reader.py")
    return [sys.executable, "-P", str(reader), name, UNIT, refresh, repr(deadline)]


def _reader_env(url: str) -> dict[str, str]:
    """The parent's environment, the store's URL (never on the command line, where other
    users could read a password) and the path this ``clearance`` is imported from."""
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "CLEARANCE_DATABASE_URL": url,
        "PYTHONPATH": package_root + (os.pathsep + path if path else ""),
    }


def _arm(store: Store, name: str) -> None:
    """The drill release with its rollout at full weight, everyone in its audience,
    written by the rollout package's own state functions."""
    now = datetime.now(UTC)
    with store.session(exclusive=True) as session:
        release = Release(
            name=name,
            system=PREFIX,
            candidate_fingerprint="-",
            policy_hash="-",
            status="drill",
            created_by="clearance",
            created_at=now,
        )
        session.add(release)
        session.flush()
        row = rollout_state.create(session, release, now)
        rollout_state.enter(session, row, 0, _DRILL_STAGE, now, [])


_DRILL_STAGE = Stage(stage="full_rollout", name="drill", weight=1.0, audience="everyone")


def _roll_back(store: Store, name: str) -> None:
    """What the controller's rollback writes to the route (weight 0, ``rolled_back``, a
    new version, in one exclusive transaction), without an audit entry: the drill
    release is deleted afterwards."""
    now = datetime.now(UTC)
    with store.session(exclusive=True) as session:
        _, row = rollout_state.require(session, name)
        rollout_state.close(rollout_state.current(session, row), "rolled_back", ["drill"], now)
        row.weight = 0.0
        rollout_state.touch(row, now, "rolled_back")


def _remove(store: Store, name: str) -> None:
    with store.session(exclusive=True) as session:
        _delete(session, select(Release.id).where(Release.name == name))


def _sweep(store: Store) -> None:
    """Drill releases a killed check left behind (and the fixed-name drill release older
    versions kept): none of them has been touched for an hour."""
    cutoff = datetime.now(UTC) - STALE_AFTER
    stale = (
        select(Release.id)
        .outerjoin(RolloutRow, RolloutRow.release_id == Release.id)
        .where(Release.name.startswith(PREFIX, autoescape=True))
        .where((RolloutRow.updated_at.is_(None)) | (RolloutRow.updated_at < cutoff))
    )
    with store.session(exclusive=True) as session:
        _delete(session, stale)


def _delete(session: Session, releases: Select[int]) -> None:
    ids = list(session.scalars(releases))
    if not ids:
        return
    rollouts = select(RolloutRow.id).where(RolloutRow.release_id.in_(ids))
    session.execute(delete(StageHistory).where(StageHistory.rollout_id.in_(rollouts)))
    session.execute(delete(RolloutRow).where(RolloutRow.release_id.in_(ids)))
    session.execute(delete(Release).where(Release.id.in_(ids)))

"""The rollback drill: switch a real route back to the control and time how long a router
in another process takes to serve it.

A drill release is created with its rollout at full weight (every unit on the
candidate) in a throwaway store beside the user's (:class:`~clearance.store.Scratch`: a
temporary SQLite file, or a schema of its own on the same PostgreSQL server), so no drill
row is ever part of the user's data, and a :class:`~clearance.rollout.Router` is started
in a separate Python process against it, exactly as ``clearance serve`` or an
application embeds one (same class, same refresh interval). Once that process serves the candidate,
the drill writes a rollback the way the controller does (weight 0, status
``rolled_back``, a new version, in an exclusive transaction) and waits until the other
process serves the control. The time from the start of that write to the observation is
``rollback.drill_seconds``. The wait is bounded by ``rollout.rollback_limit_s``: a router
that has not switched by then gives the time waited (above the limit) and a note. The
throwaway store is removed afterwards.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from clearance.policy import Stage
from clearance.rollout import Router
from clearance.rollout import _state as rollout_state
from clearance.store import Scratch, Store

PREFIX = "__rollback_drill__"
"""Name prefix of drill releases (only ever in the drill's own throwaway store)."""
UNIT = "drill-reader"
"""The unit the reader routes: a public id, so the drill stage's audience includes it."""
READER_REFRESH_S: float | None = None
"""The reader's ``Router(refresh_s=...)``; None keeps the router's default, which is what
``clearance serve`` and embedded routers use. Tests set it to simulate slow routers."""
READY_TIMEOUT_S = 60.0
"""How long the reader may take to start and serve the armed route (not timed)."""


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

    def __init__(
        self, scratch: Scratch | None, name: str, reader: subprocess.Popen[str] | None
    ) -> None:
        self.scratch, self.name, self._reader = scratch, name, reader
        self._lines: queue.Queue[_Line] = queue.Queue()
        self._stderr: IO[str] | None = None
        self._problem = ""
        self._closed = False
        self._exited = False
        self._pump_thread: threading.Thread | None = None

    @classmethod
    def begin(cls, store: Store) -> Drill:
        """Create the armed drill release in a throwaway store beside ``store`` and start
        the reader process on it."""
        name = f"{PREFIX}-{uuid.uuid4().hex[:12]}"
        try:
            scratch = Scratch(store)
        except ValueError:
            drill = cls(None, name, None)
            drill._problem = (
                "the store is an in-memory SQLite database, which no other process (no "
                "router) can read: use a database file or PostgreSQL"
            )
            return drill
        _arm(scratch, name)
        stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by close())
        try:
            reader = subprocess.Popen(
                _reader_command(name),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env=_reader_env(scratch.url),
            )
        except OSError as exc:
            stderr.close()
            drill = cls(scratch, name, None)
            drill._problem = f"cannot start a router process: {exc}"
            return drill
        drill = cls(scratch, name, reader)
        drill._stderr = stderr
        assert reader.stdout is not None
        drill._pump_thread = threading.Thread(target=drill._pump, args=(reader.stdout,))
        drill._pump_thread.daemon = True
        drill._pump_thread.start()
        return drill

    def finish(self, limit_s: float) -> DrillResult:
        """Wait for the reader to serve the candidate, roll back, time until it serves the
        control (at most ``limit_s``), then remove the throwaway store."""
        try:
            return self._run(limit_s)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the reader and remove the throwaway store (safe to call twice)."""
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
            if self.scratch is not None:
                self.scratch.close()

    def _run(self, limit_s: float) -> DrillResult:
        if self._reader is None or self.scratch is None:
            return DrillResult(None, self._problem)
        ready = self._wait_for("candidate", time.perf_counter() + READY_TIMEOUT_S)
        if ready is None:
            return DrillResult(None, self._not_started())
        started = time.perf_counter()
        _roll_back(self.scratch.store, self.name)
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


def _arm(scratch: Scratch, name: str) -> None:
    """The drill release with its rollout at full weight, everyone in its audience,
    written by the rollout package's own state functions."""
    now = datetime.now(UTC)
    scratch.add_release(name, PREFIX)
    with scratch.store.transaction(exclusive=True) as tx:
        row = tx.rollouts.create(name, now)
        rollout_state.enter(tx, row, 0, _DRILL_STAGE, now, [])


_DRILL_STAGE = Stage(stage="full_rollout", name="drill", weight=1.0, audience="everyone")


def _roll_back(store: Store, name: str) -> None:
    """What the controller's rollback writes to the route (weight 0, ``rolled_back``, a
    new version, in one exclusive transaction), without an audit entry: the drill's
    store is thrown away afterwards."""
    now = datetime.now(UTC)
    with store.transaction(exclusive=True) as tx:
        row = tx.rollouts.get(name)
        tx.rollouts.close(row, "rolled_back", ["drill"], now)
        tx.rollouts.touch(row, now, status="rolled_back", weight=0.0)

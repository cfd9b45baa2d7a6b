"""Run-time progress on stderr: live bars in a terminal, status lines elsewhere.

In a terminal, one bar per suite and target with its rate, ETA, errors and retries. When
stderr is not a terminal (a pipe, a CI log), one status line per suite and target when it
starts, every ``interval_s`` seconds while it runs (even when no sample finishes: a stuck
run shows it is stuck) and when it ends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clearance.cli._common import err

if TYPE_CHECKING:
    from clearance.evals import Progress as Event

DEFAULT_INTERVAL_S = 10.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a status line shows of one run (copied in the event loop's thread)."""

    label: str
    done: int
    total: int
    rate: float
    eta_s: float | None
    errors: int
    retries: int
    timeouts: int
    concurrency: int
    finished: bool

    @classmethod
    def of(cls, event: Event) -> Snapshot:
        return cls(
            label=f"{event.suite} · {event.role} ({event.target})",
            done=event.done,
            total=event.total,
            rate=event.rate,
            eta_s=event.eta_s,
            errors=event.errors,
            retries=event.retries,
            timeouts=event.timeouts,
            concurrency=event.concurrency,
            finished=event.finished,
        )

    def line(self) -> str:
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        state = "done" if self.finished else f"eta {_duration(self.eta_s)}"
        return (
            f"{self.label}: {self.done}/{self.total}{share}, {self.rate:,.1f}/s, {state}, "
            f"errors {self.errors}, retries {self.retries}, timeouts {self.timeouts}, "
            f"in flight ≤ {self.concurrency}"
        )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class StatusLines:
    """Status lines at a steady interval (not a terminal)."""

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._latest: dict[tuple[str, str], Snapshot] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="clearance-status", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)

    def update(self, event: Event) -> None:
        snapshot = Snapshot.of(event)
        key = (event.suite, event.role)
        with self._lock:
            first = key not in self._latest
            self._latest[key] = snapshot
        if first or snapshot.finished:
            _say(snapshot.line())

    def _tick(self) -> None:
        while not self._stop.wait(self.interval_s):
            with self._lock:
                running = [s for s in self._latest.values() if not s.finished]
            for snapshot in running:
                _say(snapshot.line())


def _say(line: str) -> None:
    if not getattr(err, "quiet", False):
        err.print(line, soft_wrap=True, highlight=False)


class Bars:
    """One rich progress bar per suite and target (a terminal)."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskID,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("errors {task.fields[errors]}"),
            TextColumn("retries {task.fields[retries]}"),
            TimeRemainingColumn(),
            console=err,
            transient=False,
        )
        self.tasks: dict[tuple[str, str], TaskID] = {}

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def update(self, event: Event) -> None:
        key = (event.suite, event.role)
        fields: dict[str, Any] = {
            "rate": f"{event.rate:,.1f}/s",
            "errors": event.errors,
            "retries": event.retries,
        }
        if key not in self.tasks:
            # The fields go with the task: the bar is drawn at once, before any update.
            label = f"{event.suite} · {event.role} ({event.target})"
            self.tasks[key] = self.progress.add_task(label, total=event.total, **fields)
        self.progress.update(self.tasks[key], completed=event.done, **fields)


class ProgressDisplay:
    """Bars when stderr is a terminal, status lines otherwise; nothing under --quiet."""

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self.view: Bars | StatusLines | None = None

    def __enter__(self) -> ProgressDisplay:
        if getattr(err, "quiet", False):
            return self
        self.view = Bars() if err.is_terminal else StatusLines(self.interval_s)
        self.view.start()
        return self

    def update(self, event: Event) -> None:
        if self.view is not None:
            self.view.update(event)

    def __exit__(self, *_: object) -> None:
        if self.view is not None:
            self.view.stop()
            self.view = None

"""Instrumenting the system under release: route a request, time it, record its event.

::

    router = Router(store, "support-bot@v2")
    sink = StoreSink(store)               # or JsonlSink("telemetry.jsonl")
    with track(router, sink, unit=user_id) as req:
        model = candidate if req.arm == "candidate" else control
        reply = model(messages)
        req.record(output_tokens=reply.tokens, quality=grade(reply))
    ...
    sink.close()

The event gets ``release``, ``arm``, ``unit``, a fresh ``event_id``, and ``ts`` and the
measured ``latency_ms`` unless recorded explicitly (a simulation passes its own clock).
An exception inside the block is recorded as attribute ``error`` and re-raised.

:class:`StoreSink` stores events through :func:`~clearance.rollout.ingest`, so they get
the same validation as the API's: an invalid one (a NaN cost, a negative latency...) is
counted in ``sink.report.rejected`` and not stored, and never raises into the request.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from clearance.rollout._ingest import IngestReport, TsWindow, ingest
from clearance.rollout._router import Router
from clearance.rollout._telemetry import Arm
from clearance.store import Store


class Sink(Protocol):
    """Where tracked events go."""

    def write(self, event: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class StoreSink:
    """Buffers events and ingests them into the store in batches (thread-safe).

    ``ts_window`` is passed to :func:`~clearance.rollout.ingest`. It defaults to None
    (any time from 1970 to 2100): ``track`` stamps events with the wall clock, and a
    simulation that passes its own clock as ``ts`` must not be held to the present.
    Pass :data:`~clearance.rollout._ingest.TS_WINDOW` to apply the server's window."""

    def __init__(
        self, store: Store, batch_size: int = 500, *, ts_window: TsWindow | None = None
    ) -> None:
        self.store, self.batch_size, self.ts_window = store, batch_size, ts_window
        self.report = IngestReport()
        self._buffer: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def write(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._buffer.append(event)
            if len(self._buffer) >= self.batch_size:
                self._flush_locked()

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def close(self) -> None:
        self.flush()

    def _flush_locked(self) -> None:
        if not self._buffer:
            return
        done = ingest(self.store, self._buffer, ts_window=self.ts_window)
        self._buffer = []
        self.report.merge(done)


class JsonlSink:
    """Appends each event as a JSON line (for ``clearance ingest`` later)."""

    def __init__(self, path: str | Path) -> None:
        self._file = Path(path).open("a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._lock = threading.Lock()

    def write(self, event: dict[str, Any]) -> None:
        line = json.dumps(event, separators=(",", ":")) + "\n"
        with self._lock:
            self._file.write(line)

    def close(self) -> None:
        self._file.close()


@dataclass
class Tracked:
    """One request in flight: its arm, and the metrics recorded for it so far."""

    release: str
    unit: str
    arm: Arm
    fields: dict[str, Any] = field(default_factory=dict)

    def record(self, **metrics: Any) -> None:
        """Add telemetry fields (``quality=0.9``, ``output_tokens=120``, ...)."""
        self.fields.update(metrics)


@contextmanager
def track(router: Router, sink: Sink, *, unit: str, **fields: Any) -> Iterator[Tracked]:
    """Route ``unit`` with ``router``, time the block, and write its event to ``sink``."""
    request = Tracked(router.release, unit, router.route(unit), dict(fields))
    started, ts = time.perf_counter(), time.time()
    try:
        yield request
    except BaseException as exc:
        request.fields.setdefault("error", type(exc).__name__)
        raise
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        event = {"ts": ts, "latency_ms": round(elapsed_ms, 3), **request.fields}
        event.update(
            release=request.release,
            arm=request.arm,
            unit=unit,
            event_id=uuid.uuid4().hex,
        )
        sink.write(event)

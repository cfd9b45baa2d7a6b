"""Batched, idempotent writing of sample results to the store.

Results are buffered and written every ``batch_size`` results or ``flush_interval_s``
seconds, whichever comes first, so a ``kill -9`` loses at most the in-flight samples and
the buffer. Inserts skip rows whose (run, sample, repeat) already exists, so a resumed
run can never store a duplicate.
"""

from __future__ import annotations

import asyncio
from typing import Any

from clearance.store import Store
from clearance.targets import Recorder


class ResultWriter:
    """Buffers result rows (dicts of ``sample_results`` columns) and stores them in batches."""

    def __init__(
        self, store: Store, *, batch_size: int, interval_s: float, recorder: Recorder | None
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.recorder = recorder
        self.written = 0
        self._rows: list[dict[str, Any]] = []
        self._ticker: asyncio.Task[None] | None = None

    def add(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        rows, self._rows = self._rows, []
        # The recording is flushed first: a stored result always has its recorded line.
        if self.recorder is not None:
            self.recorder.flush()
        with self.store.transaction() as tx:
            tx.runs.add_samples(rows)
        self.written += len(rows)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            self.flush()

    def __enter__(self) -> ResultWriter:
        self._ticker = asyncio.get_running_loop().create_task(self._tick())
        return self

    def __exit__(self, *_: object) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        self.flush()

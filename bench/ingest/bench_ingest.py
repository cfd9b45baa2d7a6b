"""Ingest throughput into SQLite (batch mode): JSONL lines -> validated rows -> store.

    .venv/bin/python bench/ingest/bench_ingest.py --n 200000

Generates ``n`` simulated events as JSONL text first (not timed), then times
``clearance.rollout.ingest`` over the lines into a fresh SQLite file, then times a
second pass over the same lines (every event a duplicate: the retry path).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from clearance.rollout import ingest, simulate
from clearance.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--ids", action="store_true", help="events carry an explicit event_id")
    args = parser.parse_args()
    events = simulate(args.n, seed=1, release=("bench", "bench"))
    if args.ids:
        for i, event in enumerate(events):
            event["event_id"] = f"e{i}"
    lines = [json.dumps(e, separators=(",", ":")) for e in events]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with open_store(url) as store:
            for label in ("first pass", "retry (all duplicates)"):
                start, cpu = time.perf_counter(), time.process_time()
                report = ingest(store, lines, batch_size=args.batch, ts_window=None)
                elapsed, used = time.perf_counter() - start, time.process_time() - cpu
                print(
                    f"{label}: {args.n} events in {elapsed:.2f}s = {args.n / elapsed:,.0f} events/s "
                    f"wall, {args.n / used:,.0f} events per CPU-second "
                    f"(accepted {report.accepted}, duplicates {report.duplicates}, "
                    f"rejected {report.rejected}; load average {os.getloadavg()[0]:.1f})"
                )


if __name__ == "__main__":
    main()

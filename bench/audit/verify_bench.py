"""Time ``GET /v1/audit/verify`` on a large audit log: a full walk, then incremental looks.

    .venv/bin/python bench/audit/verify_bench.py --entries 100000
    .venv/bin/python bench/audit/verify_bench.py --entries 100000 \\
        --db postgresql+psycopg://postgres@127.0.0.1:5432/clearance_bench   # an empty database

The log is built quickly: the chain is computed here and bulk-inserted, 10,000 rows per
statement (the entries are exactly what ``governance.append`` would write). Then the
server (in process, over TestClient) answers verify several times. The script also runs
against an older checkout that has no incremental verification (``PYTHONPATH=old/src``):
it then times only the plain call. Not a timed test: record the figures in README.md.
"""

from __future__ import annotations

import argparse
import inspect
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert

from clearance import governance
from clearance.server import create_app
from clearance.store import Store, open_store
from clearance.store._tables import AuditEvent


def build(store: Store, n: int, batch: int = 10_000) -> None:
    """Append ``n`` chained entries with bulk inserts."""
    seq, prev = governance.head(store)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        seq += 1
        ts = (start + timedelta(seconds=seq)).isoformat(timespec="microseconds")
        payload = governance.canonical({"i": i, "note": "bulk-loaded for the benchmark"})
        digest = governance.entry_hash(seq, ts, "bench", "bench.entry", "bench@v1", payload, prev)
        rows.append(
            {
                "seq": seq,
                "ts": ts,
                "actor": "bench",
                "action": "bench.entry",
                "subject": "bench@v1",
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
        if len(rows) == batch:
            _insert(store, rows)
            rows = []
    if rows:
        _insert(store, rows)


def _insert(store: Store, rows: list[dict[str, Any]]) -> None:
    with store.session() as session:
        session.execute(insert(AuditEvent), rows)


def timed(client: TestClient, headers: dict[str, str], query: str = "") -> tuple[float, Any]:
    began = time.perf_counter()
    response = client.get(f"/v1/audit/verify{query}", headers=headers)
    elapsed = time.perf_counter() - began
    response.raise_for_status()
    return elapsed, response.json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--db", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="clearance-audit-bench-"))
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    store = open_store(url)
    began = time.perf_counter()
    build(store, args.entries)
    print(f"built {governance.count(store)} entries in {time.perf_counter() - began:.1f} s")
    headers = {"Authorization": f"Bearer {governance.create_user(store, 'bench')}"}
    incremental = "full" in inspect.signature(governance.verify).parameters
    print(f"store: {store.dialect}; incremental verification: {incremental}")
    rows: list[tuple[str, float, Any]] = []
    with TestClient(create_app(store=store)) as client:
        rows.append(("first call (nothing remembered: full walk)", *timed(client, headers)))
        rows.append(("second call, no new entries", *timed(client, headers)))
        if incremental:
            build(store, 100)
            rows.append(("after 100 new entries", *timed(client, headers)))
            rows.append(("?full=true", *timed(client, headers, "?full=true")))
    if incremental:
        rows += _signed(store, url, folder, headers)
    print(f"{'call':<52} {'seconds':>8} {'checked':>8}  ok")
    for label, seconds, body in rows:
        print(f"{label:<52} {seconds:>8.3f} {body['checked']:>8}  {body['ok']}")
    store.close()


def _signed(
    store: Store, url: str, folder: Path, headers: dict[str, str]
) -> list[tuple[str, float, Any]]:
    """The same with the audit public key, on a fresh store object (as a new server
    process has: nothing remembered), so the first call starts at the checkpoint."""
    private, public = governance.generate_keypair(folder / "audit.key")
    governance.checkpoint(store, governance.load_private_key(private), "bench")
    build(store, 100)
    rows: list[tuple[str, float, Any]] = []
    with TestClient(create_app(store=open_store(url), audit_key=public)) as client:
        rows.append(("key, new server: starts at the checkpoint", *timed(client, headers)))
        rows.append(("key, second call", *timed(client, headers)))
        rows.append(("key, ?full=true", *timed(client, headers, "?full=true")))
    return rows


if __name__ == "__main__":
    main()

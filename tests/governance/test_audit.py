"""The hash-chained audit log: appends, tamper detection, concurrent writers."""

from __future__ import annotations

import itertools
import subprocess
import sys

from sqlalchemy import text

from clearance import governance
from clearance.store import Store


def fill(store: Store, n: int = 5) -> None:
    for i in range(n):
        governance.append(store, "alice", "test.action", f"release-{i % 2}", {"i": i})


def sql(store: Store, statement: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement))


def test_chain_links_and_verifies(store: Store) -> None:
    fill(store)
    rows = governance.entries(store)
    assert [e.seq for e in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == governance.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    result = governance.verify(store)
    assert result.ok and result.checked == 5 and result.head == rows[-1].hash
    assert [e.payload["i"] for e in governance.entries(store, subject="release-1")] == [1, 3]


def test_empty_log_verifies(store: Store) -> None:
    assert governance.verify(store).ok


def test_edited_entry_is_named(store: Store) -> None:
    fill(store)
    sql(store, "UPDATE audit_events SET payload = 'tampered' WHERE seq = 3")
    result = governance.verify(store)
    assert not result.ok and result.first_bad == 3 and "edited" in result.problem


def test_edited_actor_is_named(store: Store) -> None:
    fill(store)
    sql(store, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    assert governance.verify(store).first_bad == 2


def test_deleted_entry_is_named(store: Store) -> None:
    fill(store)
    sql(store, "DELETE FROM audit_events WHERE seq = 2")
    result = governance.verify(store)
    assert not result.ok and result.first_bad == 3 and "missing" in result.problem


def test_inserted_entry_is_detected(store: Store) -> None:
    fill(store, 3)
    first = governance.entries(store)[0]
    forged = governance.entry_hash(2, first.ts, "mallory", "approve", "r", "{}", first.hash)
    # A forger makes room at seq 2, relinks the old entry 2 to the forgery, inserts it.
    for seq in (3, 2):
        sql(store, f"UPDATE audit_events SET seq = {seq + 1} WHERE seq = {seq}")
    sql(store, f"UPDATE audit_events SET prev_hash = '{forged}' WHERE seq = 3")
    sql(
        store,
        "INSERT INTO audit_events (seq, ts, actor, action, subject, payload, prev_hash, "
        f"hash) VALUES (2, '{first.ts}', 'mallory', 'approve', 'r', '{{}}', "
        f"'{first.hash}', '{forged}')",
    )
    result = governance.verify(store)
    assert not result.ok and result.first_bad == 3


def test_reordered_entries_are_detected(store: Store) -> None:
    fill(store, 4)
    sql(store, "UPDATE audit_events SET seq = 100 WHERE seq = 2")
    sql(store, "UPDATE audit_events SET seq = 2 WHERE seq = 3")
    sql(store, "UPDATE audit_events SET seq = 3 WHERE seq = 100")
    result = governance.verify(store)
    assert not result.ok and result.first_bad == 2


_WRITER = """
import sys
from clearance.store import open_store
from clearance.governance import append
store = open_store(sys.argv[1])
for i in range(int(sys.argv[3])):
    append(store, sys.argv[2], "concurrent", "race", {"i": i})
"""


def test_concurrent_processes_never_fork(store_url: str, store: Store) -> None:
    per_writer, writers = 40, 3
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, store_url, f"w{w}", str(per_writer)])
        for w in range(writers)
    ]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    result = governance.verify(store)
    assert result.ok, result.problem
    assert result.checked == governance.count(store) == per_writer * writers
    actors = {e.actor for e in governance.entries(store)}
    assert actors == {f"w{w}" for w in range(writers)}

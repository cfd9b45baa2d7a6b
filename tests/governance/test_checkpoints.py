"""Signed checkpoints catch a history rewritten by someone with database write access."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from clearance import governance
from clearance.errors import UsageError
from clearance.store import Store

Rewrite = Callable[[Store, int], None]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return governance.generate_keypair(tmp_path_factory.mktemp("keys") / "audit.key")


def fill(store: Store, n: int) -> None:
    for i in range(n):
        governance.append(store, "alice", "test.action", "r", {"i": i})


def test_keygen_files(keys: tuple[Path, Path]) -> None:
    private, public = keys
    assert os.stat(private).st_mode & 0o777 == 0o600
    assert b"PUBLIC KEY" in public.read_bytes()
    with pytest.raises(UsageError, match="already exists"):
        governance.generate_keypair(private)


def test_rewrite_detected_with_checkpoint_not_without(
    store: Store, keys: tuple[Path, Path], rewrite_history: Rewrite
) -> None:
    private, public = keys
    fill(store, 4)
    governance.checkpoint(store, governance.load_private_key(private), "alice")
    fill(store, 2)
    pub = governance.load_public_key(public)
    assert governance.verify_with_checkpoints(store, pub).ok
    rewrite_history(store, 2)
    assert governance.verify(store).ok  # the chain alone cannot see it
    result = governance.verify_with_checkpoints(store, pub)
    assert not result.ok and result.chain.ok
    assert "history rewritten" in result.problems[0]


def test_deleted_entries_detected(store: Store, keys: tuple[Path, Path]) -> None:
    fill(store, 3)
    governance.checkpoint(store, governance.load_private_key(keys[0]))
    with store.engine.begin() as conn:  # drop the tail, including the checkpointed entry
        conn.execute(text("DELETE FROM audit_events WHERE seq >= 3"))
    assert governance.verify(store).ok
    result = governance.verify_with_checkpoints(store, governance.load_public_key(keys[1]))
    assert any("entries were deleted" in p for p in result.problems)


def test_tampered_checkpoint_signature_detected(store: Store, keys: tuple[Path, Path]) -> None:
    fill(store, 3)
    governance.checkpoint(store, governance.load_private_key(keys[0]))
    pub = governance.load_public_key(keys[1])
    with store.engine.begin() as conn:  # move the checkpoint to match a forged head
        conn.execute(text("UPDATE audit_checkpoints SET hash = :h"), {"h": "a" * 64})
    assert "bad signature" in governance.verify_with_checkpoints(store, pub).problems[0]
    sig = base64.b64encode(b"x" * 64).decode()
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_checkpoints SET signature = :s"), {"s": sig})
    assert not governance.verify_with_checkpoints(store, pub).ok


def test_deleted_checkpoints_caught_by_offsite_copy(
    store: Store, keys: tuple[Path, Path], tmp_path: Path, rewrite_history: Rewrite
) -> None:
    fill(store, 3)
    point = governance.checkpoint(store, governance.load_private_key(keys[0]))
    copy = governance.read_checkpoint(point.to_json())
    pub = governance.load_public_key(keys[1])
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_checkpoints"))
    assert "no signed checkpoint" in governance.verify_with_checkpoints(store, pub).problems[0]
    rewrite_history(store, 1)
    result = governance.verify_with_checkpoints(store, pub, [copy])
    assert not result.ok and "history rewritten" in result.problems[0]


def test_checkpoint_by_other_key_refused(store: Store, tmp_path: Path) -> None:
    mine = governance.generate_keypair(tmp_path / "mine.key")
    theirs = governance.generate_keypair(tmp_path / "theirs.key")
    fill(store, 1)
    governance.checkpoint(store, governance.load_private_key(theirs[0]))
    result = governance.verify_with_checkpoints(store, governance.load_public_key(mine[1]))
    assert "another key" in result.problems[0]


def test_a_failed_first_walk_keeps_later_incremental_walks_from_the_first_entry(
    store: Store, keys: tuple[Path, Path]
) -> None:
    """A server whose first look finds an entry below the latest signed checkpoint
    changed must not call the log intact on its next (incremental) look: that look
    would otherwise start at the checkpoint and pass over the changed entry."""
    private, public = keys
    fill(store, 6)
    governance.checkpoint(store, governance.load_private_key(private), "alice")
    fill(store, 2)
    with store.engine.begin() as conn:  # edit an entry below the checkpoint
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    pub = governance.load_public_key(public)
    first = governance.verify_with_checkpoints(store, pub, full=True)
    assert not first.ok and first.chain.first_bad == 2
    for _ in range(2):
        again = governance.verify_with_checkpoints(store, pub, full=False)
        assert not again.ok and again.chain.first_bad == 2

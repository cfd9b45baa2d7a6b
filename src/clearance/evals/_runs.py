"""Eval runs in the store: create, find one to resume, list what is done, finish."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clearance.store import RunRecord, Store


def create_run(store: Store, run: dict[str, Any]) -> str:
    """Store a new running run (``role``, ``target_fingerprint``, ``suite``,
    ``suite_hash``, ``total``, ``config``) and return its id."""
    with store.transaction() as tx:
        return tx.runs.create(**run, now=_now()).id


def latest_run(store: Store, fingerprint: str, suite: str, suite_hash: str) -> RunRecord | None:
    """The newest run of this suite content against this target, if any."""
    with store.transaction() as tx:
        return tx.runs.latest(fingerprint, suite, suite_hash)


def done_keys(store: Store, run_id: str) -> set[tuple[str, int]]:
    """(sample id, repeat) of every result already stored for ``run_id``."""
    with store.transaction() as tx:
        return tx.runs.done_keys(run_id)


def drop_errors(store: Store, run_id: str) -> int:
    """Delete ``run_id``'s errored results (so a resumed run asks those samples again);
    how many there were."""
    with store.transaction() as tx:
        return tx.runs.drop_errors(run_id)


def set_status(store: Store, run_id: str, status: str) -> None:
    """Mark a run ``complete`` (with its finish time), ``interrupted`` or ``running``."""
    with store.transaction() as tx:
        tx.runs.set_status(run_id, status, now=_now())


def _now() -> datetime:
    return datetime.now(UTC)

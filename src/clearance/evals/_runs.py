"""Eval runs in the store: create, find one to resume, list what is done, finish."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update

from clearance.store import EvalRun, SampleResult, Store


def create_run(store: Store, run: dict[str, Any]) -> str:
    """Insert a new running ``EvalRun`` (``role``, ``target_fingerprint``, ``suite``,
    ``suite_hash``, ``total``, ``config``) and return its id."""
    run_id = str(uuid.uuid4())
    with store.session() as session:
        session.add(EvalRun(id=run_id, status="running", created_at=_now(), **run))
        session.flush()  # the store's session commits its connection, not pending objects
    return run_id


def latest_run(store: Store, fingerprint: str, suite: str, suite_hash: str) -> EvalRun | None:
    """The newest run of this suite content against this target, if any."""
    query = (
        select(EvalRun)
        .where(
            EvalRun.target_fingerprint == fingerprint,
            EvalRun.suite == suite,
            EvalRun.suite_hash == suite_hash,
        )
        .order_by(EvalRun.created_at.desc())
        .limit(1)
    )
    with store.session() as session:
        return session.scalars(query).first()


def done_keys(store: Store, run_id: str) -> set[tuple[str, int]]:
    """(sample id, repeat) of every result already stored for ``run_id``."""
    query = select(SampleResult.sample_id, SampleResult.repeat).where(SampleResult.run_id == run_id)
    with store.session() as session:
        return {(sample_id, repeat) for sample_id, repeat in session.execute(query)}


def drop_errors(store: Store, run_id: str) -> int:
    """Delete ``run_id``'s errored results (so a resumed run asks those samples again);
    how many there were."""
    with store.session() as session:
        result = session.execute(
            delete(SampleResult).where(
                SampleResult.run_id == run_id, SampleResult.error.is_not(None)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


def set_status(store: Store, run_id: str, status: str) -> None:
    """Mark a run ``complete`` (with its finish time), ``interrupted`` or ``running``."""
    values: dict[str, Any] = {"status": status}
    if status == "complete":
        values["finished_at"] = _now()
    with store.session() as session:
        session.execute(update(EvalRun).where(EvalRun.id == run_id).values(**values))


def _now() -> datetime:
    return datetime.now(UTC)

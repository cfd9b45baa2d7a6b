"""Rollout state in the store: the ``rollouts`` row, its stage history, and transitions.

Everything a controller knows lives here, so a killed ``watch`` resumes where it was.
A stage entry is a ``rollout_stages`` row; its ``reasons`` JSON also keeps the stage's
label, kind and audience (the router reads the audience from it) and the triggers
already notified in it, so a restarted controller does not notify twice.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.errors import NotFoundError
from clearance.policy import Stage
from clearance.rollout._clock import utc
from clearance.store import Release, RolloutRow, StageHistory

Status = Literal["running", "paused", "rolled_back", "completed"]
ACTIVE = ("running", "paused")


class StageRecord(BaseModel):
    """One stage entry of a rollout."""

    index: int
    label: str
    weight: float
    audience: str
    entered_at: datetime
    exited_at: datetime | None = None
    outcome: str | None = None
    reasons: list[str] = []


class RolloutState(BaseModel):
    """Where a release's rollout stands."""

    release: str
    status: Status
    stage_index: int
    stage: str
    """Label of the current stage."""
    weight: float
    """Candidate's traffic share now (0 after a rollback)."""
    audience: str
    salt: str
    version: int
    """Incremented by every transition (routers and watchers compare it)."""
    started_at: datetime
    updated_at: datetime
    stage_entered_at: datetime
    history: list[StageRecord] = []


def find(session: Session, release: str) -> tuple[Release, RolloutRow | None]:
    """The release and its rollout row (None before ``start``)."""
    found = session.scalar(select(Release).where(Release.name == release))
    if found is None:
        raise NotFoundError(
            f"release '{release}' is not in the store",
            fix="run clearance check for it first (it records the release)",
        )
    row = session.scalar(select(RolloutRow).where(RolloutRow.release_id == found.id))
    return found, row


def require(session: Session, release: str) -> tuple[Release, RolloutRow]:
    found, row = find(session, release)
    if row is None:
        raise NotFoundError(
            f"release '{release}' has no rollout", fix=f"clearance rollout start {release}"
        )
    return found, row


def stages_of(session: Session, row: RolloutRow) -> list[StageHistory]:
    query = select(StageHistory).where(StageHistory.rollout_id == row.id)
    return list(session.scalars(query.order_by(StageHistory.id)))


def current(session: Session, row: RolloutRow) -> StageHistory:
    entries = stages_of(session, row)
    if not entries:
        raise NotFoundError(f"rollout {row.id} has no stage entry")
    return entries[-1]


def create(session: Session, release: Release, now: datetime) -> RolloutRow:
    row = RolloutRow(
        release_id=release.id,
        status="running",
        stage_index=0,
        weight=0.0,
        salt=secrets.token_hex(8),
        version=0,
        started_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def close(entry: StageHistory, outcome: str, reasons: list[str], now: datetime) -> None:
    entry.exited_at = now
    entry.outcome = outcome
    entry.reasons = {**entry.reasons, "exit_reasons": reasons}


def enter(
    session: Session, row: RolloutRow, index: int, stage: Stage, now: datetime, reasons: list[str]
) -> StageHistory:
    """Record entering stage ``index`` (closing nothing: see :func:`close`)."""
    entry = StageHistory(
        rollout_id=row.id,
        stage_index=index,
        stage=stage.label,
        weight=stage.weight,
        entered_at=now,
        exited_at=None,
        outcome=None,
        reasons={
            "kind": stage.stage,
            "audience": stage.audience,
            "reasons": reasons,
            "notified": [],
        },
    )
    session.add(entry)
    row.stage_index, row.weight = index, stage.weight
    touch(row, now)
    session.flush()
    return entry


def touch(row: RolloutRow, now: datetime, status: Status | None = None) -> None:
    if status is not None:
        row.status = status
    row.version += 1
    row.updated_at = now


def snapshot(release: str, row: RolloutRow, entries: list[StageHistory]) -> RolloutState:
    last = entries[-1]
    return RolloutState(
        release=release,
        status=row.status,
        stage_index=row.stage_index,
        stage=last.stage,
        weight=row.weight,
        audience=str(last.reasons.get("audience", "everyone")),
        salt=row.salt,
        version=row.version,
        started_at=utc(row.started_at),
        updated_at=utc(row.updated_at),
        stage_entered_at=utc(last.entered_at),
        history=[_record(e) for e in entries],
    )


def _record(entry: StageHistory) -> StageRecord:
    details: dict[str, Any] = entry.reasons or {}
    return StageRecord(
        index=entry.stage_index,
        label=entry.stage,
        weight=entry.weight,
        audience=str(details.get("audience", "everyone")),
        entered_at=utc(entry.entered_at),
        exited_at=utc(entry.exited_at) if entry.exited_at else None,
        outcome=entry.outcome,
        reasons=[*details.get("reasons", []), *details.get("exit_reasons", [])],
    )

"""Rollout state in the store: the ``rollouts`` row, its stage history, and transitions.

Everything a controller knows lives in the store (``tx.rollouts``), so a killed
``watch`` resumes where it was. A stage entry keeps the stage's label, kind and
audience (the router reads the audience from it), why it was entered and left, and the
triggers already notified in it, so a restarted controller does not notify twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel

from clearance.policy import Stage
from clearance.store import RolloutRecord, StageEntryRecord, Tx

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
    """Why the stage was entered, then why it was left."""
    exit_reasons: list[str] = []
    """Why it was left (the tail of ``reasons``)."""


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


def snapshot(rollout: RolloutRecord, entries: list[StageEntryRecord]) -> RolloutState:
    last = entries[-1]
    return RolloutState(
        release=rollout.release,
        status=cast(Status, rollout.status),
        stage_index=rollout.stage_index,
        stage=last.stage,
        weight=rollout.weight,
        audience=last.audience,
        salt=rollout.salt,
        version=rollout.version,
        started_at=rollout.started_at,
        updated_at=rollout.updated_at,
        stage_entered_at=last.entered_at,
        history=[_record(e) for e in entries],
    )


def read(tx: Tx, release: str) -> RolloutState:
    """``release``'s rollout as it stands in ``tx`` (:class:`RolloutNotFound` before it
    starts)."""
    rollout = tx.rollouts.get(release)
    return snapshot(rollout, tx.rollouts.stages(rollout))


def enter(
    tx: Tx, rollout: RolloutRecord, index: int, stage: Stage, now: datetime, reasons: list[str]
) -> RolloutRecord:
    """Record entering ``stage`` as stage ``index`` of ``rollout`` (closing nothing)."""
    return tx.rollouts.enter(
        rollout,
        index=index,
        stage=stage.label,
        kind=stage.stage,
        weight=stage.weight,
        audience=stage.audience,
        reasons=reasons,
        now=now,
    )


def _record(entry: StageEntryRecord) -> StageRecord:
    return StageRecord(
        index=entry.stage_index,
        label=entry.stage,
        weight=entry.weight,
        audience=entry.audience,
        entered_at=entry.entered_at,
        exited_at=entry.exited_at,
        outcome=entry.outcome,
        reasons=[*entry.reasons, *entry.exit_reasons],
        exit_reasons=list(entry.exit_reasons),
    )

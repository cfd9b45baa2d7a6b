"""Rollout transitions: start, advance, pause, resume, roll back, and status.

Each transition is one exclusive store transaction (the write lock on SQLite and on
PostgreSQL) that re-reads the rollout, checks the guards against *that* state, refuses
a caller whose ``expected_version`` is no longer current, and commits together with its
audit entry (``rollout.started``, ``rollout.advanced``, ``rollout.completed``,
``rollout.paused``, ``rollout.resumed``, ``rollout.rolled_back``), so the log and the
state never disagree and two concurrent transitions can never both act on one version.
A stage is entered only when the guards allow it: the checklist is cleared, the stage's
approvals are in, and no severe incident is open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from clearance.errors import ConflictError, UsageError
from clearance.governance import append_in
from clearance.policy import Policy, Stage
from clearance.rollout import _state as st
from clearance.rollout._clock import utc
from clearance.rollout._guards import Guards
from clearance.rollout._state import RolloutState
from clearance.store import Release, RolloutRow, Store


@dataclass(frozen=True)
class Change:
    """Who changes a rollout, when, why, and (for controllers) which version they saw."""

    actor: str
    reasons: Sequence[str] = ()
    now: datetime | float | None = None
    expected_version: int | None = None
    """Refuse the change (:class:`ConflictError`) unless the rollout is still at this
    version: the caller decided on what it saw, and someone else acted since."""
    details: dict[str, Any] = field(default_factory=dict)
    """Extra audit payload (e.g. the monitor's fired triggers and counts)."""


def stages(policy: Policy) -> list[Stage]:
    if not policy.rollout.stages:
        raise UsageError("the policy declares no rollout stages", fix="add rollout.stages")
    return policy.rollout.stages


def blockers(guards: Guards, release: str, stage: Stage) -> list[str]:
    """Why ``release`` may not enter ``stage`` now (empty when it may)."""
    found = []
    checklist = guards.checklist_blocked(release)
    if checklist:
        found.append(checklist)
    missing = guards.missing_approvals(release, list(stage.approvals))
    if missing:
        found.append(f"approval missing to enter '{stage.label}': {', '.join(missing)}")
    incidents = guards.severe_incidents(release)
    if incidents:
        found.append(f"severe incident open: {'; '.join(incidents)}")
    return found


def status(store: Store, release: str) -> RolloutState:
    """The rollout's state, with its stage history."""
    with store.session() as session:
        _, row = st.require(session, release)
        return st.snapshot(release, row, st.stages_of(session, row))


def start(
    store: Store, policy: Policy, release: str, guards: Guards, change: Change
) -> RolloutState:
    """Start the rollout in the policy's first stage (refused while a guard blocks it)."""
    first = stages(policy)[0]
    now = utc(change.now)
    with _transaction(store) as session:
        found, row = st.find(session, release)
        if row is not None:
            raise ConflictError(
                f"release '{release}' already has a rollout ({row.status})",
                current=st.snapshot(release, row, st.stages_of(session, row)),
                fix=f"clearance rollout status {release}",
            )
        _refuse_if_blocked(guards, release, first)
        row = st.create(session, found, now)
        st.enter(session, row, 0, first, now, list(change.reasons))
        _audit(session, found, row, "rollout.started", change, {"stage": first.label})
        return st.snapshot(release, row, st.stages_of(session, row))


def advance(
    store: Store, policy: Policy, release: str, guards: Guards, change: Change
) -> RolloutState:
    """Enter the next stage (or complete the rollout from the last one). The next stage
    and its guards are decided on the state read inside the locked transaction, so
    concurrent advances enter one stage each, each through its own guards."""
    plan = stages(policy)
    return _apply(
        store, release, change, lambda s, r, row: _advance(s, r, row, plan, guards, change)
    )


def pause(store: Store, release: str, change: Change) -> RolloutState:
    """Hold the current stage: traffic stays at its weight, nothing advances."""
    return _apply(store, release, change, lambda s, r, row: _set(s, r, row, "paused", change))


def resume(
    store: Store, policy: Policy, release: str, guards: Guards, change: Change
) -> RolloutState:
    """Continue a paused stage. Its observation restarts (a new stage entry), so what
    paused it is judged again on fresh telemetry."""
    plan = stages(policy)
    return _apply(
        store, release, change, lambda s, r, row: _resume(s, r, row, plan, guards, change)
    )


def rollback(store: Store, release: str, change: Change) -> RolloutState:
    """Send all traffic to the control. Idempotent: rolling back twice changes nothing."""
    return _apply(store, release, change, lambda s, r, row: _rollback(s, r, row, change))


Step = Callable[[Session, Release, RolloutRow], None]


@contextmanager
def _transaction(store: Store) -> Iterator[Session]:
    """One exclusive transaction (the store's write lock on SQLite and PostgreSQL); a
    rollout row changed under us anyway (compare-and-set failed) is a conflict."""
    try:
        with store.session(exclusive=True) as session:
            yield session
    except StaleDataError:
        raise ConflictError(
            "the rollout changed while this transition was being applied; nothing was changed",
            fix="read the rollout's status again and retry",
        ) from None


def _apply(store: Store, release: str, change: Change, step: Step) -> RolloutState:
    """Lock, re-read the rollout, refuse if it is not the version the caller saw, run
    ``step`` (which checks its guards against this state) and commit with the audit entry."""
    with _transaction(store) as session:
        found, row = st.require(session, release)
        if change.expected_version is not None and row.version != change.expected_version:
            raise ConflictError(
                f"rollout of '{release}' is at version {row.version}, not "
                f"{change.expected_version}: someone else changed it first; nothing was changed",
                current=st.snapshot(release, row, st.stages_of(session, row)),
                fix="look at its current state and decide again",
            )
        step(session, found, row)
        return st.snapshot(release, row, st.stages_of(session, row))


def _advance(
    session: Session,
    release: Release,
    row: RolloutRow,
    plan: list[Stage],
    guards: Guards,
    change: Change,
) -> None:
    _require_active(row, "advance")
    now, index = utc(change.now), row.stage_index + 1
    entry = st.current(session, row)
    if index >= len(plan):
        _refuse_if_unchecked(guards, release.name, plan[row.stage_index])
        st.close(entry, "completed", list(change.reasons), now)
        st.touch(row, now, "completed")
        _audit(session, release, row, "rollout.completed", change, {"stage": entry.stage})
        return
    _refuse_if_blocked(guards, release.name, plan[index])
    st.close(entry, "advanced", list(change.reasons), now)
    st.enter(session, row, index, plan[index], now, list(change.reasons))
    last = index == len(plan) - 1 and plan[index].weight >= 1.0
    row.status = "completed" if last else "running"
    _audit(session, release, row, "rollout.advanced", change, {"from": entry.stage})
    if last:
        _audit(session, release, row, "rollout.completed", change, {})


def _set(session: Session, release: Release, row: RolloutRow, status: st.Status, c: Change) -> None:
    _require_active(row, "pause")
    if row.status == status:
        return
    st.touch(row, utc(c.now), status)
    _audit(session, release, row, f"rollout.{status}", c, {})


def _resume(
    session: Session,
    release: Release,
    row: RolloutRow,
    plan: list[Stage],
    guards: Guards,
    change: Change,
) -> None:
    if row.status != "paused":
        raise UsageError(f"the rollout is {row.status}, not paused: nothing to resume")
    stage = plan[row.stage_index]
    _refuse_if_blocked(guards, release.name, stage)
    now = utc(change.now)
    st.close(st.current(session, row), "paused", list(change.reasons), now)
    st.enter(session, row, row.stage_index, stage, now, list(change.reasons))
    row.status = "running"
    _audit(session, release, row, "rollout.resumed", change, {})


def _rollback(session: Session, release: Release, row: RolloutRow, change: Change) -> None:
    if row.status == "rolled_back":
        return
    now = utc(change.now)
    entry = st.current(session, row)
    if entry.exited_at is None:
        st.close(entry, "rolled_back", list(change.reasons), now)
    row.weight = 0.0
    st.touch(row, now, "rolled_back")
    _audit(session, release, row, "rollout.rolled_back", change, {"stage": entry.stage})


def _require_active(row: RolloutRow, verb: str) -> None:
    if row.status not in st.ACTIVE:
        raise UsageError(f"cannot {verb}: the rollout is {row.status}")


def _refuse_if_unchecked(guards: Guards, release: str, stage: Stage) -> None:
    """Completing from the last stage enters no stage, but still needs a cleared checklist
    under this policy and no severe incident."""
    found = blockers(guards, release, stage.model_copy(update={"approvals": []}))
    if found:
        raise UsageError(
            f"release '{release}' may not complete its rollout: {'; '.join(found)}",
            fix="clear the checklist or close the incident first",
        )


def _refuse_if_blocked(guards: Guards, release: str, stage: Stage) -> None:
    found = blockers(guards, release, stage)
    if found:
        raise UsageError(
            f"release '{release}' may not enter stage '{stage.label}': {'; '.join(found)}",
            fix="clear the checklist, collect the approvals, or close the incident first",
        )


def _audit(
    session: Session,
    release: Release,
    row: RolloutRow,
    action: str,
    change: Change,
    extra: dict[str, Any],
) -> None:
    payload = {
        "stage_index": row.stage_index,
        "weight": row.weight,
        "status": row.status,
        "version": row.version,
        "reasons": list(change.reasons),
        **change.details,
        **extra,
    }
    append_in(session, change.actor, action, release.name, payload)

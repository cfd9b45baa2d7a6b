"""Rollout transitions: start, advance, pause, resume, roll back, and status.

Each transition is one exclusive store transaction (the write lock on SQLite and on
PostgreSQL) that re-reads the rollout, checks the guards against *that* state, refuses
a caller whose ``expected_version`` is no longer current, and commits together with its
audit entry (``rollout.started``, ``rollout.advanced``, ``rollout.completed``,
``rollout.paused``, ``rollout.resumed``, ``rollout.rolled_back``), so the log and the
state never disagree and two concurrent transitions can never both act on one version.
A stage is entered only when the guards allow it: the checklist is cleared, the stage's
approvals are in, and no severe incident is open. A person's advance (``check_minimums``)
is also refused while the current stage has not run its minimum duration or collected
its minimum samples, unless it is forced; a forced advance records what it skipped.
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
from clearance.rollout._provider import StoreProvider
from clearance.rollout._state import RolloutState
from clearance.store import Release, RolloutRow, StageHistory, Store


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
    force: bool = False
    """Advance even though the current stage's minimums are unmet (only where
    :func:`advance` checks them); what was skipped is recorded."""


FORCED = "forced past unmet minimums"
"""How a forced advance's exit reason in the stage history begins."""

Minimums = Callable[[Stage, datetime, datetime], list[str]]
"""What a stage entered at the first instant has not met by the second (empty when
nothing is unmet, or when the caller does not check)."""


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


def unmet_minimums(
    store: Store, release: str, stage: Stage, entered: datetime, now: datetime
) -> list[str]:
    """Which of ``stage``'s minimums are unmet at ``now`` when it was entered at
    ``entered``: its duration, and (with traffic) its requests on the smaller arm."""
    unmet = []
    ran = max(0.0, (now - entered).total_seconds())
    if ran < stage.min_duration_s:
        unmet.append(f"ran {int(ran)}s of its {stage.min_duration_s:g}s minimum")
    if stage.weight > 0 and stage.min_samples > 0:
        requests = StoreProvider(store).snapshot(release, [], entered, now).requests
        fewest = min(requests.get("candidate", 0), requests.get("control", 0))
        if fewest < stage.min_samples:
            unmet.append(f"{fewest} requests on the smaller arm of {stage.min_samples} needed")
    return unmet


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
    store: Store,
    policy: Policy,
    release: str,
    guards: Guards,
    change: Change,
    *,
    check_minimums: bool = False,
) -> RolloutState:
    """Enter the next stage (or complete the rollout from the last one). The next stage
    and its guards are decided on the state read inside the locked transaction, so
    concurrent advances enter one stage each, each through its own guards.

    ``check_minimums`` (a person's advance) also refuses while the current stage has not
    run its ``min_duration_s`` or collected its ``min_samples`` on the smaller arm, unless
    ``change.force``: then the stage history and the audit entry record ``forced`` and the
    unmet minimums. The controller does not check: it advances on the monitor's decision,
    which weighs the minimums itself."""
    plan = stages(policy)

    def minimums(stage: Stage, entered: datetime, now: datetime) -> list[str]:
        return unmet_minimums(store, release, stage, entered, now) if check_minimums else []

    return _apply(
        store,
        release,
        change,
        lambda s, r, row: _advance(s, r, row, plan, guards, change, minimums),
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
    minimums: Minimums,
) -> None:
    _require_active(row, "advance")
    now, index = utc(change.now), row.stage_index + 1
    entry, stage = st.current(session, row), plan[row.stage_index]
    if index >= len(plan):
        _refuse_if_unchecked(guards, release.name, stage)
        forced = _leave(entry, stage, "completed", change, minimums, now)
        st.touch(row, now, "completed")
        extra = {"stage": entry.stage, **forced}
        _audit(session, release, row, "rollout.completed", change, extra)
        return
    _refuse_if_blocked(guards, release.name, plan[index])
    forced = _leave(entry, stage, "advanced", change, minimums, now)
    st.enter(session, row, index, plan[index], now, list(change.reasons))
    last = index == len(plan) - 1 and plan[index].weight >= 1.0
    row.status = "completed" if last else "running"
    _audit(session, release, row, "rollout.advanced", change, {"from": entry.stage, **forced})
    if last:
        _audit(session, release, row, "rollout.completed", change, {})


def _leave(
    entry: StageHistory,
    stage: Stage,
    outcome: str,
    change: Change,
    minimums: Minimums,
    now: datetime,
) -> dict[str, Any]:
    """Close the current stage's ``entry``: refused while its minimums are unmet unless
    the change is forced. A forced exit says so in its reasons and in the entry; the
    same record (empty when nothing was skipped) is returned for the audit payload."""
    unmet = minimums(stage, utc(entry.entered_at), now)
    if unmet and not change.force:
        unmet_text = "; ".join(unmet)
        raise UsageError(
            f"stage '{stage.label}': {unmet_text}: pass --force to advance anyway (recorded)",
            fix='wait until the stage has met its minimums, or force it (API: "force": true)',
        )
    if not unmet:
        st.close(entry, outcome, list(change.reasons), now)
        return {}
    st.close(entry, outcome, [*change.reasons, f"{FORCED}: {'; '.join(unmet)}"], now)
    forced = {"forced": True, "unmet_minimums": unmet}
    entry.reasons = {**entry.reasons, **forced}
    return forced


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

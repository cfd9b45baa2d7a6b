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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from clearance.errors import ConflictError, UsageError
from clearance.governance import append_in
from clearance.policy import Policy, Stage
from clearance.rollout import _state as st
from clearance.rollout._clock import instant
from clearance.rollout._guards import Guards
from clearance.rollout._provider import StoreProvider
from clearance.rollout._state import RolloutState
from clearance.store import RolloutRecord, StageEntryRecord, Store, Tx


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


def stage_at(plan: list[Stage], index: int, release: str = "") -> Stage:
    """The plan's stage ``index``, or a clear refusal when the policy now declares fewer
    stages than the rollout has reached (its plan shrank under a running rollout)."""
    if 0 <= index < len(plan):
        return plan[index]
    raise UsageError(
        f"the rollout{f' of {release}' if release else ''} is in stage {index + 1}, but "
        f"the policy declares only {len(plan)} stage(s)",
        fix="restore the policy's rollout.stages the rollout started with, or roll it back",
    )


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
    with store.transaction() as tx:
        return st.read(tx, release)


def start(
    store: Store, policy: Policy, release: str, guards: Guards, change: Change
) -> RolloutState:
    """Start the rollout in the policy's first stage (refused while a guard blocks it)."""
    first = stages(policy)[0]
    now = instant(change.now)
    with store.transaction(exclusive=True) as tx:
        found = tx.rollouts.find(release)
        if found is not None:
            raise ConflictError(
                f"release '{release}' already has a rollout ({found.status})",
                current=st.snapshot(found, tx.rollouts.stages(found)),
                fix=f"clearance rollout status {release}",
            )
        _refuse_if_blocked(guards, release, first)
        row = tx.rollouts.create(release, now)
        row = st.enter(tx, row, 0, first, now, list(change.reasons))
        _audit(tx, row, "rollout.started", change, {"stage": first.label})
        return st.read(tx, release)


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
        store, release, change, lambda tx, row: _advance(tx, row, plan, guards, change, minimums)
    )


def pause(store: Store, release: str, change: Change) -> RolloutState:
    """Hold the current stage: traffic stays at its weight, nothing advances."""
    return _apply(store, release, change, lambda tx, row: _set(tx, row, "paused", change))


def resume(
    store: Store, policy: Policy, release: str, guards: Guards, change: Change
) -> RolloutState:
    """Continue a paused stage. Its observation restarts (a new stage entry), so what
    paused it is judged again on fresh telemetry."""
    plan = stages(policy)
    return _apply(store, release, change, lambda tx, row: _resume(tx, row, plan, guards, change))


def rollback(store: Store, release: str, change: Change) -> RolloutState:
    """Send all traffic to the control. Idempotent: rolling back twice changes nothing."""
    return _apply(store, release, change, lambda tx, row: _rollback(tx, row, change))


Step = Callable[[Tx, RolloutRecord], None]


def _apply(store: Store, release: str, change: Change, step: Step) -> RolloutState:
    """Lock (an exclusive transaction: the store's write lock on SQLite and PostgreSQL),
    re-read the rollout, refuse if it is not the version the caller saw, run ``step``
    (which checks its guards against this state) and commit with the audit entry. A
    rollout row changed under us anyway (compare-and-set failed) is a ConflictError."""
    with store.transaction(exclusive=True) as tx:
        row = tx.rollouts.get(release)
        if change.expected_version is not None and row.version != change.expected_version:
            raise ConflictError(
                f"rollout of '{release}' is at version {row.version}, not "
                f"{change.expected_version}: someone else changed it first; nothing was changed",
                current=st.snapshot(row, tx.rollouts.stages(row)),
                fix="look at its current state and decide again",
            )
        step(tx, row)
        return st.read(tx, release)


def _advance(
    tx: Tx,
    row: RolloutRecord,
    plan: list[Stage],
    guards: Guards,
    change: Change,
    minimums: Minimums,
) -> None:
    _require_active(row, "advance")
    now, index = instant(change.now), row.stage_index + 1
    entry, stage = tx.rollouts.current(row), stage_at(plan, row.stage_index, row.release)
    if index >= len(plan):
        _refuse_if_unchecked(guards, row.release, stage)
        forced = _leave(tx, row, entry, stage, "completed", change, minimums, now)
        row = tx.rollouts.touch(row, now, status="completed")
        _audit(tx, row, "rollout.completed", change, {"stage": entry.stage, **forced})
        return
    _refuse_if_blocked(guards, row.release, plan[index])
    forced = _leave(tx, row, entry, stage, "advanced", change, minimums, now)
    row = st.enter(tx, row, index, plan[index], now, list(change.reasons))
    last = index == len(plan) - 1 and plan[index].weight >= 1.0
    row = tx.rollouts.set_status(row, "completed" if last else "running")
    _audit(tx, row, "rollout.advanced", change, {"from": entry.stage, **forced})
    if last:
        _audit(tx, row, "rollout.completed", change, {})


def _leave(
    tx: Tx,
    row: RolloutRecord,
    entry: StageEntryRecord,
    stage: Stage,
    outcome: str,
    change: Change,
    minimums: Minimums,
    now: datetime,
) -> dict[str, Any]:
    """Close the current stage's ``entry``: refused while its minimums are unmet unless
    the change is forced. A forced exit says so in its reasons and in the entry; the
    same record (empty when nothing was skipped) is returned for the audit payload."""
    unmet = minimums(stage, entry.entered_at, now)
    if unmet and not change.force:
        unmet_text = "; ".join(unmet)
        raise UsageError(
            f"stage '{stage.label}': {unmet_text}: pass --force to advance anyway (recorded)",
            fix='wait until the stage has met its minimums, or force it (API: "force": true)',
        )
    if not unmet:
        tx.rollouts.close(row, outcome, list(change.reasons), now)
        return {}
    forced: dict[str, Any] = {"forced": True, "unmet_minimums": unmet}
    exit_reasons = [*change.reasons, f"{FORCED}: {'; '.join(unmet)}"]
    tx.rollouts.close(row, outcome, exit_reasons, now, **forced)
    return forced


def _set(tx: Tx, row: RolloutRecord, status: st.Status, c: Change) -> None:
    _require_active(row, "pause")
    if row.status == status:
        return
    row = tx.rollouts.touch(row, instant(c.now), status=status)
    _audit(tx, row, f"rollout.{status}", c, {})


def _resume(tx: Tx, row: RolloutRecord, plan: list[Stage], guards: Guards, change: Change) -> None:
    if row.status != "paused":
        raise UsageError(f"the rollout is {row.status}, not paused: nothing to resume")
    stage = stage_at(plan, row.stage_index, row.release)
    _refuse_if_blocked(guards, row.release, stage)
    now = instant(change.now)
    tx.rollouts.close(row, "paused", list(change.reasons), now)
    row = st.enter(tx, row, row.stage_index, stage, now, list(change.reasons))
    row = tx.rollouts.set_status(row, "running")
    _audit(tx, row, "rollout.resumed", change, {})


def _rollback(tx: Tx, row: RolloutRecord, change: Change) -> None:
    if row.status == "rolled_back":
        return
    now = instant(change.now)
    entry = tx.rollouts.current(row)
    if entry.exited_at is None:
        tx.rollouts.close(row, "rolled_back", list(change.reasons), now)
    row = tx.rollouts.touch(row, now, status="rolled_back", weight=0.0)
    _audit(tx, row, "rollout.rolled_back", change, {"stage": entry.stage})


def _require_active(row: RolloutRecord, verb: str) -> None:
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


def _audit(tx: Tx, row: RolloutRecord, action: str, change: Change, extra: dict[str, Any]) -> None:
    payload = {
        # the moment on the rollout's own clock (a simulation's, or the wall clock), so a
        # timeline places the entry beside the stage history and telemetry it concerns
        "at": instant(change.now).isoformat(),
        "stage_index": row.stage_index,
        "weight": row.weight,
        "status": row.status,
        "version": row.version,
        "reasons": list(change.reasons),
        **change.details,
        **extra,
    }
    append_in(tx, change.actor, action, row.release, payload)

"""Where a release's rollout stands, for a person: every stage of the plan with what
happened in it, the current stage's progress toward its minimums, each trigger's state
and evidence, what must happen next, and the steps the asking person may take.

One read over the store and the controller's look (:meth:`Controller.last_look`), on the
rollout's own clock: the moments its stage history was written with (a simulation's
clock, or the wall clock), so that nothing is placed against a clock it was not
measured on. The dashboard renders it; nothing here prints or changes the store.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from clearance import governance
from clearance.common import format_duration
from clearance.errors import ClearanceError
from clearance.policy import Policy, Stage
from clearance.release._guards import GovernanceGuards
from clearance.release._steer import ACTION_OF, Step
from clearance.rollout import (
    FORCED,
    Controller,
    Decision,
    RolloutState,
    ScoreRow,
    blockers,
    stages,
    status,
)
from clearance.store import RolloutNotFound, Store

StepState = Literal["done", "current", "paused", "rolled_back", "upcoming", "completed"]
_FAR_FUTURE_S = 90 * 86_400.0
_ACTIVE = ("running", "paused")


class StageStep(BaseModel):
    """One stage of the policy's plan and what happened in it (every visit, merged)."""

    index: int
    label: str
    kind: str
    weight: float
    audience: str
    state: StepState
    entered_at: datetime | None = None
    exited_at: datetime | None = None
    duration_s: float | None = None
    outcome: str | None = None
    forced: bool = False
    approvals: list[str] = []
    reasons: list[str] = []
    """Why the stage was left (each visit's exit reasons, in order)."""


class Progress(BaseModel):
    """Progress of the current stage toward one of its minimums (or its cap)."""

    name: str
    done: float
    needed: float
    unit: Literal["requests", "seconds"]
    met: bool
    text: str

    @property
    def fraction(self) -> float:
        return 1.0 if self.needed <= 0 else max(0.0, min(1.0, self.done / self.needed))


class TriggerState(BaseModel):
    """One declared trigger in the current stage: status, evidence against its bar."""

    name: str
    kind: str
    metric: str
    statistic: str
    action: str
    status: str
    fired: bool
    e_value: float | None = None
    fires_at: float | None = None
    evidence: float = 0.0
    """Share of the way to firing on a log scale: ln(e) / ln(1/alpha), in [0, 1]."""
    summary: str = ""


class StepOption(BaseModel):
    """A rollout step the asking person may take now (or why it is held)."""

    step: Step
    label: str
    danger: bool = False
    force: bool = False
    confirm: str | None = None
    """Text to confirm before sending (skipping a stage's minimums, rolling back)."""
    blocked: str | None = None
    """Why the step would be refused now (it is shown, not offered)."""


class RolloutView(BaseModel):
    release: str
    status: str
    """``not started``, ``running``, ``paused``, ``rolled_back`` or ``completed``."""
    version: int | None = None
    clock: datetime
    """The moment the view is read at, on the rollout's clock."""
    final: bool = False
    """The look is at the end of a finished rollout's last stage."""
    current: str | None = None
    weight: float = 0.0
    audience: str | None = None
    """Who the current stage's weight is a share of (``internal``, ``everyone``, ...)."""
    steps: list[StageStep] = []
    progress: list[Progress] = []
    triggers: list[TriggerState] = []
    scorecard: list[ScoreRow] = []
    decision: str | None = None
    reasons: list[str] = []
    next_steps: list[str] = []
    """What must happen next, in words (approvals missing, a guard blocking, a wait)."""
    options: list[StepOption] = []


def rollout_view(
    store: Store, policy: Policy, release: str, who: str, now: datetime | None = None
) -> RolloutView:
    """Everything a person needs to follow and steer ``release``'s rollout."""
    plan = stages(policy)
    guards = GovernanceGuards(store, policy)
    try:
        state = status(store, release)
    except RolloutNotFound:
        return _not_started(policy, guards, plan, release, who, now)
    clock = _clock(state, now)
    if state.stage_index >= len(plan):
        return _beyond_plan(state, plan, clock, _may(policy, who, "rollback"))
    look = Controller(store, policy, guards).last_look(release, clock)
    view = RolloutView(
        release=release,
        status=state.status,
        version=state.version,
        clock=clock,
        final=state.status not in ("running", "paused"),
        current=state.stage,
        weight=state.weight,
        audience=state.audience,
        steps=_steps(plan, state),
        decision=look.action,
        reasons=list(look.reasons),
        scorecard=list(look.scorecard),
        triggers=_triggers(policy, look),
    )
    if state.status in ("running", "paused"):
        stage = plan[min(state.stage_index, len(plan) - 1)]
        elapsed = max(0.0, (clock - state.stage_entered_at).total_seconds())
        view.progress = _progress(stage, look, elapsed)
        nxt = plan[state.stage_index + 1] if state.stage_index + 1 < len(plan) else None
        view.next_steps = _next_active(state, stage, nxt, guards, view.progress, look)
        view.options = _options_active(policy, who, state, nxt, guards, view.progress)
    else:
        view.next_steps = _next_finished(state)
    return view


def _beyond_plan(
    state: RolloutState, plan: list[Stage], clock: datetime, may_roll_back: bool
) -> RolloutView:
    """The policy declares fewer stages than the rollout has reached: say so, offer no
    step (the controller refuses them too) but the rollback, which needs no plan."""
    why = (
        f"the rollout is in stage {state.stage_index + 1} ('{state.stage}'), but the "
        f"server's policy declares only {len(plan)} stage(s): restore its rollout.stages "
        "or roll the rollout back"
    )
    return RolloutView(
        release=state.release,
        status=state.status,
        version=state.version,
        clock=clock,
        final=state.status not in ("running", "paused"),
        current=state.stage,
        weight=state.weight,
        audience=state.audience,
        steps=_steps(plan, state),
        next_steps=[why],
        options=[_rollback_option(state)] if may_roll_back and state.status in _ACTIVE else [],
    )


def _clock(state: RolloutState, now: datetime | None) -> datetime:
    """The rollout's clock: the wall clock, unless the stage history was written on a
    simulated clock ahead of it or long before it; then its last recorded moment."""
    wall = now or datetime.now(UTC)
    last = max(state.updated_at, state.stage_entered_at)
    ended = [h.exited_at for h in state.history if h.exited_at is not None]
    if ended:
        last = max(last, *ended)
    if state.status not in ("running", "paused"):
        return last
    if last > wall or (wall - last).total_seconds() > _FAR_FUTURE_S:
        return last
    return wall


def _not_started(
    policy: Policy,
    guards: GovernanceGuards,
    plan: list[Stage],
    release: str,
    who: str,
    now: datetime | None,
) -> RolloutView:
    first = plan[0]
    held = blockers(guards, release, first)
    steps = [_planned(i, s) for i, s in enumerate(plan)]
    view = RolloutView(
        release=release, status="not started", clock=now or datetime.now(UTC), steps=steps
    )
    if held:
        view.next_steps = [f"to start in '{first.label}': {h}" for h in held]
    else:
        view.next_steps = [f"ready to start in '{first.label}' ({_share(first)} of traffic)"]
    if _may(policy, who, "start"):
        view.options = [
            StepOption(
                step="start",
                label=f"Start rollout in {first.label}",
                blocked="; ".join(held) or None,
            )
        ]
    return view


def _planned(index: int, stage: Stage) -> StageStep:
    return StageStep(
        index=index,
        label=stage.label,
        kind=stage.stage,
        weight=stage.weight,
        audience=stage.audience,
        state="upcoming",
        approvals=list(stage.approvals),
    )


def _steps(plan: list[Stage], state: RolloutState) -> list[StageStep]:
    """The plan's stages with the history merged in (a paused-then-resumed stage has
    several entries: the first entry and the last exit count)."""
    out = [_planned(i, s) for i, s in enumerate(plan)]
    for i, step in enumerate(out):
        visits = [h for h in state.history if h.index == i]
        if not visits:
            continue
        first, last = visits[0], visits[-1]
        ran = sum(
            ((h.exited_at or state.updated_at) - h.entered_at).total_seconds() for h in visits
        )
        reasons = [r for h in visits for r in h.exit_reasons]
        out[i] = step.model_copy(
            update={
                "entered_at": first.entered_at,
                "exited_at": last.exited_at,
                "duration_s": max(0.0, ran),
                "outcome": last.outcome,
                "forced": any(r.startswith(FORCED) for r in reasons),
                "reasons": reasons,
                "state": _state_of(i, last.outcome, state),
            }
        )
    return out


def _state_of(index: int, outcome: str | None, state: RolloutState) -> StepState:
    if index == state.stage_index:
        if state.status == "rolled_back":
            return "rolled_back"
        if state.status == "completed":
            return "completed"
        return "paused" if state.status == "paused" else "current"
    return "rolled_back" if outcome == "rolled_back" else "done"


def _share(stage: Stage) -> str:
    return f"{stage.weight:.0%} of {stage.audience}"


def _progress(stage: Stage, look: Decision, elapsed: float) -> list[Progress]:
    out = []
    if stage.weight > 0 and stage.min_samples > 0:
        fewest = min(look.n_candidate, look.n_control)
        out.append(
            Progress(
                name="requests on the smaller arm",
                done=fewest,
                needed=stage.min_samples,
                unit="requests",
                met=fewest >= stage.min_samples,
                text=f"{fewest:,} of {stage.min_samples:,} requests on the smaller arm "
                f"(candidate {look.n_candidate:,}, control {look.n_control:,})",
            )
        )
    if stage.min_duration_s > 0:
        text = f"{format_duration(elapsed)} of its {format_duration(stage.min_duration_s)} minimum"
        out.append(_time_bar("minimum duration", elapsed, stage.min_duration_s, text))
    if stage.max_duration_s is not None:
        then = "advances" if stage.advance_at_cap else "pauses for a person"
        text = (
            f"{format_duration(elapsed)} of its {format_duration(stage.max_duration_s)} cap "
            f"(at the cap it {then} unless a trigger fired)"
        )
        out.append(_time_bar("cap", elapsed, stage.max_duration_s, text))
    return out


def _time_bar(name: str, elapsed: float, needed: float, text: str) -> Progress:
    return Progress(
        name=name, done=elapsed, needed=needed, unit="seconds", met=elapsed >= needed, text=text
    )


def _triggers(policy: Policy, look: Decision) -> list[TriggerState]:
    declared = {t.label: t for t in policy.triggers}
    fired = {f.trigger for f in look.fired}
    out = []
    for report in look.metrics:
        trigger = declared.get(report.trigger)
        fires_at = 1 / report.alpha if report.alpha > 0 else None
        out.append(
            TriggerState(
                name=report.trigger,
                kind=trigger.kind if trigger else report.statistic,
                metric=report.metric,
                statistic=report.statistic,
                action=trigger.action if trigger else "rollback",
                status="fired" if report.trigger in fired else report.status,
                fired=report.trigger in fired,
                e_value=report.e_value,
                fires_at=fires_at,
                evidence=_evidence(report.e_value, fires_at, report.trigger in fired),
                summary=_about(report.trigger, look.reasons),
            )
        )
    return out


def _about(trigger: str, reasons: list[str]) -> str:
    """The decision's line about ``trigger`` (its estimate and interval), if any."""
    for reason in reasons:
        if reason.startswith((f"{trigger} (", f"FIRED {trigger} (")):
            return reason
    return ""


def _evidence(e_value: float | None, fires_at: float | None, fired: bool) -> float:
    if fired:
        return 1.0
    if e_value is None or fires_at is None or fires_at <= 1 or not math.isfinite(e_value):
        return 0.0
    if e_value <= 1:
        return 0.0
    return min(1.0, math.log(e_value) / math.log(fires_at))


def _next_active(
    state: RolloutState,
    stage: Stage,
    nxt: Stage | None,
    guards: GovernanceGuards,
    progress: list[Progress],
    look: Decision,
) -> list[str]:
    out = []
    if state.status == "paused":
        out.append(f"paused in '{stage.label}': a person must resume it (or roll it back)")
    unmet = [p.text for p in progress if p.name != "cap" and not p.met]
    if unmet:
        out.append(f"'{stage.label}' needs " + "; ".join(unmet))
    if nxt is None:
        out.append(f"'{stage.label}' is the last stage: the rollout completes when it advances")
    else:
        held = blockers(guards, state.release, nxt)
        out += [f"to enter '{nxt.label}': {h}" for h in held]
        if not held:
            out.append(f"next: '{nxt.label}' ({_share(nxt)} of traffic); no guard blocks it")
    if look.action in ("rollback", "pause"):
        out.append(f"the monitor would {look.action} now")
    return out


def _options_active(
    policy: Policy,
    who: str,
    state: RolloutState,
    nxt: Stage | None,
    guards: GovernanceGuards,
    progress: list[Progress],
) -> list[StepOption]:
    out = []
    target = nxt.label if nxt else "full completion"
    if _may(policy, who, "advance"):
        unmet = [p.text for p in progress if p.name != "cap" and not p.met]
        held = "; ".join(blockers(guards, state.release, nxt)) if nxt else ""
        out.append(
            StepOption(
                step="advance",
                label=f"Force advance to {target}" if unmet else f"Advance to {target}",
                force=bool(unmet),
                confirm=(
                    f"Skip the unmet minimums of '{state.stage}' ({'; '.join(unmet)})? "
                    "The forced advance is recorded."
                )
                if unmet
                else None,
                blocked=held or None,
            )
        )
    if state.status == "running" and _may(policy, who, "pause"):
        out.append(StepOption(step="pause", label="Pause rollout"))
    if state.status == "paused" and _may(policy, who, "resume"):
        out.append(StepOption(step="resume", label="Resume rollout"))
    if _may(policy, who, "rollback"):
        out.append(_rollback_option(state))
    return out


def _rollback_option(state: RolloutState) -> StepOption:
    return StepOption(
        step="rollback",
        label="Roll back",
        danger=True,
        confirm=f"Roll back {state.release}? All traffic returns to the control.",
    )


def _next_finished(state: RolloutState) -> list[str]:
    if state.status == "completed":
        return ["the rollout is complete: the candidate serves all traffic"]
    last = state.history[-1] if state.history else None
    exits = last.exit_reasons if last else []
    fired = [r for r in exits if r.startswith("FIRED ")]
    why = "; ".join(fired or [r for r in exits if not r.startswith(FORCED)][:1])
    where = f" in '{last.label}'" if last else ""
    return [
        f"rolled back{where}" + (f": {why}" if why else ""),
        "all traffic is on the control; fix the candidate and check a new version",
    ]


def _may(policy: Policy, who: str, step: Step) -> bool:
    """Whether to offer a step: the rulebook's answer (the step itself asks again)."""
    try:
        return governance.may(policy, who, ACTION_OF[step])
    except ClearanceError:
        return False

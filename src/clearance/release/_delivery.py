"""Answers for the delivery controllers that move traffic (Argo Rollouts, Flagger):
clearance decides, they route.

One rulebook maps a release's rollout state and the monitor's look to each peer's
question. :func:`judge` gives the verdict, read-only: ``continue`` (still collecting
evidence, or the next stage is held by a guard), ``promote`` (the monitor would advance
and the next stage's guards allow it), ``rollback`` (a trigger fired, or the rollout was
rolled back) or ``pause`` (the monitor or a person holds the stage). The peers' steps are
recorded as rollout transitions through :func:`clearance.release.steer`, so the caller
needs the duty each step needs under the governance rulebook, the stage guards apply,
and the audit log says who (the peer's service account) did what and why (``argo`` /
``flagger`` reasons):

- Argo's ``setWeight`` (:func:`follow_weight`): a reported weight above the current
  stage's is recorded as the advances up to the stage of that weight (``start`` first
  when no rollout exists); the stage minimums are the peer's call (a forced advance
  records what it skipped), the guards are not (refused with 400).
- Flagger's hooks (:func:`flagger_answer`): ``gate`` lets an iteration go on unless the
  verdict is ``rollback``; ``confirm-traffic-increase`` and ``confirm-promotion`` grant
  only a ``promote`` (and record the advance they grant); ``rollback`` says yes to a
  ``rollback`` verdict.

A ``rollback`` verdict is recorded as a rollback in the caller's name before it is
answered: the peer aborts on it, and the record must say so.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel

from clearance import governance
from clearance.errors import UsageError
from clearance.policy import Policy, Stage
from clearance.release._check import check_release_name
from clearance.release._guards import GovernanceGuards
from clearance.release._steer import steer
from clearance.rollout import Controller, Decision, RolloutState, blockers, stages, status
from clearance.store import RolloutNotFound, Store

Verdict = Literal["continue", "promote", "rollback", "pause"]
Peer = Literal["argo", "flagger"]
Hook = Literal["gate", "confirm-traffic-increase", "confirm-promotion", "rollback"]
HOOKS: tuple[Hook, ...] = get_args(Hook)
_SAME_WEIGHT = 1e-9
_ACTIVE = ("running", "paused")


class TriggerEvidence(BaseModel):
    """One trigger's evidence in the current stage against the bar it fires at."""

    name: str
    metric: str
    statistic: str
    status: str
    fired: bool
    e_value: float | None = None
    """Evidence of a regression (``None`` when not finite or not computed)."""
    threshold: float | None = None
    """The e-value it fires at: ``1 / alpha`` of its share."""
    n_candidate: int = 0
    n_control: int = 0


class Answer(BaseModel):
    """The verdict on ``release``'s rollout and the evidence behind it."""

    release: str
    decision: Verdict
    reasons: list[str] = []
    status: str
    """``not started``, ``running``, ``paused``, ``rolled_back`` or ``completed``."""
    stage: str | None = None
    stage_index: int | None = None
    weight: float = 0.0
    """The current stage's candidate share (0 to 1)."""
    version: int | None = None
    n_candidate: int = 0
    n_control: int = 0
    triggers: list[TriggerEvidence] = []
    held_by: list[str] = []
    """Guards holding the next stage (approvals missing, a severe incident, ...)."""
    recorded: list[str] = []
    """Rollout transitions this call recorded (``start``, ``advance``, ``rollback``)."""


def require_release(store: Store, release: str) -> None:
    """:class:`ReleaseNotFound` (404) unless ``release`` was checked in this store (400
    for a name no release can have)."""
    check_release_name(release)
    with store.transaction() as tx:
        tx.releases.get(release)


def judge(store: Store, policy: Policy, release: str, now: datetime | None = None) -> Answer:
    """The verdict on ``release`` now, changing nothing."""
    guards = GovernanceGuards(store, policy)
    plan = stages(policy)
    try:
        state = status(store, release)
    except RolloutNotFound:
        held = blockers(guards, release, plan[0])
        first = f"no rollout yet: it starts in '{plan[0].label}' when traffic moves"
        return Answer(
            release=release,
            decision="continue",
            status="not started",
            reasons=[first],
            held_by=held,
        )
    if state.status == "rolled_back":
        return _answer(state, "rollback", ["the rollout was rolled back"], None)
    if state.status == "completed":
        return _answer(state, "promote", ["the rollout is complete"], None)
    look = Controller(store, policy, guards).peek(release, now)
    nxt = plan[state.stage_index + 1] if state.stage_index + 1 < len(plan) else None
    held = blockers(guards, release, nxt) if nxt is not None else []
    incidents = guards.severe_incidents(release)
    verdict, why = _verdict(state, look, held, incidents)
    answer = _answer(state, verdict, [*why, *look.reasons], look)
    answer.held_by = held
    return answer


def _verdict(
    state: RolloutState, look: Decision, held: list[str], incidents: list[str]
) -> tuple[Verdict, list[str]]:
    """Rollback first; then anything holding the stage; promote only what may advance."""
    if look.action == "rollback":
        return "rollback", []
    if incidents:
        return "pause", [f"severe incident open: {i}" for i in incidents]
    if state.status == "paused":
        return "pause", [f"paused in '{state.stage}': a person must resume it in clearance"]
    if look.action == "pause":
        return "pause", []
    if look.action == "advance" and held:
        return "continue", [f"the monitor would advance, but: {'; '.join(held)}"]
    if look.action == "advance":
        return "promote", []
    return "continue", []


def _answer(
    state: RolloutState, verdict: Verdict, reasons: list[str], look: Decision | None
) -> Answer:
    answer = Answer(
        release=state.release,
        decision=verdict,
        reasons=reasons,
        status=state.status,
        stage=state.stage,
        stage_index=state.stage_index,
        weight=state.weight,
        version=state.version,
    )
    if look is not None:
        answer.n_candidate, answer.n_control = look.n_candidate, look.n_control
        answer.triggers = _evidence(look)
    return answer


def _evidence(look: Decision) -> list[TriggerEvidence]:
    fired = {f.trigger for f in look.fired}
    return [
        TriggerEvidence(
            name=r.trigger,
            metric=r.metric,
            statistic=r.statistic,
            status="fired" if r.trigger in fired else r.status,
            fired=r.trigger in fired,
            e_value=_finite(r.e_value),
            threshold=1 / r.alpha if r.alpha > 0 else None,
            n_candidate=r.n_candidate,
            n_control=r.n_control,
        )
        for r in look.metrics
    ]


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def argo_analysis(
    store: Store,
    policy: Policy,
    release: str,
    actor: str,
    *,
    weight: float | None = None,
    now: datetime | None = None,
) -> Answer:
    """Argo's measurement: record the weight Argo reports (when given), then the
    verdict; a ``rollback`` verdict is recorded before it is answered. The caller needs
    the duty of a controller look (``rollout.tick``) and of each step it records."""
    require_release(store, release)
    governance.authorize_recorded(store, policy, actor, "rollout.tick", subject=release)
    recorded = follow_weight(store, policy, release, actor, weight) if weight is not None else []
    answer = _settle(store, policy, release, actor, "argo", judge(store, policy, release, now))
    answer.recorded = [*recorded, *answer.recorded]
    return answer


def follow_weight(
    store: Store, policy: Policy, release: str, actor: str, weight: float
) -> list[str]:
    """Record Argo's move to ``weight`` (0 to 1): start, then advance stage by stage up to
    the first stage at or after the current one with that weight. The steps recorded."""
    plan = stages(policy)
    reason = f"argo: canary weight {weight:.4g}"
    recorded: list[str] = []
    try:
        state: RolloutState | None = status(store, release)
    except RolloutNotFound:
        state = None
    if state is None:
        if weight <= _SAME_WEIGHT:
            return []
        _target(plan, 0, weight, release)
        state = steer(store, policy, release, "start", actor, reasons=[reason])
        recorded.append(f"start: entered '{state.stage}'")
    target = _target(plan, state.stage_index, weight, release, state)
    while state.stage_index < target and state.status in _ACTIVE:
        state = steer(
            store,
            policy,
            release,
            "advance",
            actor,
            reasons=[reason],
            expected_version=state.version,
            force=True,
        )
        recorded.append(f"advance: entered '{state.stage}'")
    return recorded


def _target(
    plan: list[Stage], start: int, weight: float, release: str, state: RolloutState | None = None
) -> int:
    """The index of the first stage from ``start`` whose weight is ``weight`` (the
    current one when the rollout is finished)."""
    if state is not None and abs(state.weight - weight) <= _SAME_WEIGHT:
        return state.stage_index
    if state is not None and state.status not in _ACTIVE:
        return state.stage_index  # finished: the verdict (rollback, promote) says so
    for index in range(start, len(plan)):
        if abs(plan[index].weight - weight) <= _SAME_WEIGHT:
            return index
    shares = ", ".join(f"{s.label} {s.weight:g}" for s in plan[start:]) or "none"
    raise UsageError(
        f"Argo reports canary weight {weight:.4g}, which no clearance stage of {release} "
        f"from here has (stages: {shares})",
        fix="make the Rollout's setWeight steps the policy's stage weights (in percent)",
    )


def flagger_answer(
    store: Store,
    policy: Policy,
    release: str,
    actor: str,
    hook: Hook,
    phase: str = "",
    now: datetime | None = None,
) -> tuple[bool, Answer]:
    """Flagger's ``hook`` for ``release``: whether to say yes (HTTP 200), and the answer.
    Granting a traffic increase or the promotion records the advance (or the start) it
    grants; a ``rollback`` verdict is recorded."""
    require_release(store, release)
    governance.authorize_recorded(store, policy, actor, "rollout.tick", subject=release)
    answer = _settle(store, policy, release, actor, "flagger", judge(store, policy, release, now))
    if hook == "gate":
        return answer.decision != "rollback", answer
    if hook == "rollback":
        return answer.decision == "rollback", answer
    return _confirm(store, policy, actor, hook, phase, answer)


def _confirm(
    store: Store, policy: Policy, actor: str, hook: Hook, phase: str, answer: Answer
) -> tuple[bool, Answer]:
    """Grant a traffic increase (or the promotion) the verdict allows, recording it."""
    plan = stages(policy)
    reason = f"flagger: {hook}" + (f" ({phase[:64]})" if phase else "")
    if answer.status == "not started":
        if answer.held_by or hook == "confirm-promotion":
            return False, answer
        state = steer(store, policy, answer.release, "start", actor, reasons=[reason])
        return True, _moved(answer, state, f"start: entered '{state.stage}'")
    if answer.status == "completed":
        return hook == "confirm-promotion", answer
    if answer.decision != "promote":
        return False, answer
    left = len(plan) - 1 - (answer.stage_index or 0)
    final = left == 0 or (left == 1 and plan[-1].weight >= 1.0)
    if hook == "confirm-promotion" and not final:
        answer.reasons.insert(0, f"{left} clearance stage(s) left before the full rollout")
        return False, answer
    if hook == "confirm-traffic-increase" and final:
        answer.reasons.insert(0, "the next step is the full rollout: Flagger's promotion")
        return False, answer
    state = steer(
        store,
        policy,
        answer.release,
        "advance",
        actor,
        reasons=[reason],
        expected_version=answer.version,
    )
    return True, _moved(answer, state, f"advance: entered '{state.stage}' ({state.status})")


def _settle(
    store: Store, policy: Policy, release: str, actor: str, peer: Peer, answer: Answer
) -> Answer:
    """Record a ``rollback`` verdict on an active rollout before the peer acts on it."""
    if answer.decision != "rollback" or answer.status not in _ACTIVE:
        return answer
    fired = [r for r in answer.reasons if r.startswith("FIRED ")]
    reasons = [f"{peer}: the monitor decided rollback", *fired]
    state = steer(store, policy, release, "rollback", actor, reasons=reasons)
    return _moved(answer, state, f"rollback: left '{state.stage}'")


def _moved(answer: Answer, state: RolloutState, what: str) -> Answer:
    return answer.model_copy(
        update={
            "status": state.status,
            "stage": state.stage,
            "stage_index": state.stage_index,
            "weight": state.weight,
            "version": state.version,
            "recorded": [*answer.recorded, what],
        }
    )

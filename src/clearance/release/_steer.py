"""Steering a rollout as a person: the rulebook decides who may, the controller how.

One function per rollout action, used unchanged by the CLI, the API and the dashboard:
each checks the acting person against :mod:`clearance.governance`'s rulebook, then runs
the transition under the governance guards (checklist cleared under this policy, the
stage's approvals in, no confirmed severe incident); a person's advance also waits for
the current stage's minimums unless forced. A controller look (``tick``) acts
in the caller's name, so the audit log says who asked for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal, get_args

from clearance import governance
from clearance.errors import UsageError
from clearance.policy import Policy
from clearance.release._guards import GovernanceGuards
from clearance.rollout import Change, Controller, Decision, RolloutState
from clearance.rollout import advance as _advance
from clearance.rollout import pause as _pause
from clearance.rollout import resume as _resume
from clearance.rollout import rollback as _rollback
from clearance.rollout import start as _start
from clearance.store import Store

Step = Literal["start", "advance", "resume", "pause", "rollback"]
STEPS: tuple[Step, ...] = get_args(Step)
ACTION_OF: dict[Step, governance.Action] = {
    "start": "rollout.start",
    "advance": "rollout.advance",
    "resume": "rollout.resume",
    "pause": "rollout.pause",
    "rollback": "rollout.rollback",
}


def as_step(step: str) -> Step:
    for known in STEPS:
        if known == step:
            return known
    raise UsageError(f"unknown rollout step '{step}'", fix=f"use one of: {', '.join(STEPS)}")


def steer(
    store: Store,
    policy: Policy,
    release: str,
    step: str,
    actor: str,
    *,
    reasons: Sequence[str] = (),
    expected_version: int | None = None,
    now: datetime | float | None = None,
    force: bool = False,
) -> RolloutState:
    """``actor`` starts, advances, resumes, pauses or rolls back ``release``'s rollout.

    An advance is refused while the current stage has not run its minimum duration or
    collected its minimum samples, unless ``force`` (which is recorded)."""
    known = as_step(step)
    if force and known != "advance":
        raise UsageError(f"force applies to advance only, not to {known}", fix="drop force")
    governance.authorize_recorded(store, policy, actor, ACTION_OF[known], subject=release)
    change = Change(actor, tuple(reasons), now, expected_version, force=force)
    if known == "pause":
        return _pause(store, release, change)
    if known == "rollback":
        return _rollback(store, release, change)
    guards = GovernanceGuards(store, policy)
    if known == "advance":
        return _advance(store, policy, release, guards, change, check_minimums=True)
    transition = {"start": _start, "resume": _resume}[known]
    return transition(store, policy, release, guards, change)


def look(store: Store, policy: Policy, release: str, actor: str) -> Decision:
    """One controller look at ``release`` asked for by ``actor`` (who must be allowed to
    stop a rollout); whatever it does is recorded in ``actor``'s name."""
    governance.authorize_recorded(store, policy, actor, "rollout.tick", subject=release)
    guards = GovernanceGuards(store, policy)
    return Controller(store, policy, guards, actor=actor).tick(release)

"""The rollout controller: feed telemetry since the stage began to the monitor, and act.

One :meth:`Controller.tick` reads the rollout's state from the store, asks the metric
provider for the stage's aggregates, lets the :class:`Monitor` decide, and carries the
decision out: roll back, pause, advance (when the guards allow the next stage), disable
a tool, notify. The monitor of a stage is kept between ticks (each tick is one look of
the sequential tests); a new controller rebuilds it from the store, so a killed
``watch`` resumes where it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from clearance.errors import ConflictError, UsageError
from clearance.governance import append_in
from clearance.policy import Policy, Stage
from clearance.rollout import _controller as ctl
from clearance.rollout._clock import instant
from clearance.rollout._guards import Guards
from clearance.rollout._monitor import Decision, Firing, Monitor
from clearance.rollout._notify import Webhook, notify
from clearance.rollout._provider import MetricProvider, StoreProvider
from clearance.rollout._state import ACTIVE, RolloutState
from clearance.store import Store

Notifier = Callable[[dict[str, Any]], tuple[bool, str]]


@dataclass
class Controller:
    """Runs the rollouts of one policy. ``provider`` defaults to the store; ``notifier``
    to a JSON POST to ``policy.rollout.webhook`` (with retries)."""

    store: Store
    policy: Policy
    guards: Guards
    actor: str = "clearance-controller"
    provider: MetricProvider | None = None
    notifier: Notifier | None = None
    _monitors: dict[tuple[str, int, str], Monitor] = field(default_factory=dict)

    def tick(self, release: str, now: datetime | float | None = None) -> Decision:
        """One look at ``release``: decide and act. Returns what was done and why."""
        moment = instant(now)
        state = ctl.status(self.store, release)
        if state.status not in ACTIVE:
            return _idle(f"rollout is {state.status}: nothing to do")
        stage = ctl.stage_at(ctl.stages(self.policy), state.stage_index, release)
        decision = self._decide(state, stage, moment)
        self._side_effects(state, decision, moment)
        return self._act(state, stage, decision, moment)

    def peek(self, release: str, now: datetime | float | None = None) -> Decision:
        """What a look at ``release`` would decide now, without acting on it: the stage
        scorecard and reasons for status pages (one look of a fresh monitor)."""
        moment = instant(now)
        state = ctl.status(self.store, release)
        if state.status not in ACTIVE:
            return _idle(f"rollout is {state.status}: nothing to do")
        stage = ctl.stage_at(ctl.stages(self.policy), state.stage_index, release)
        return self._decide(state, stage, moment)

    def last_look(self, release: str, now: datetime | float | None = None) -> Decision:
        """What the rollout's current stage shows: for an active rollout, :meth:`peek` at
        ``now``; for a finished one, a fresh look at its last stage's telemetry up to the
        moment that stage ended (the evidence it was rolled back or completed on)."""
        state = ctl.status(self.store, release)
        if state.status in ACTIVE:
            return self.peek(release, now)
        plan = ctl.stages(self.policy)
        last = state.history[-1] if state.history else None
        if last is None or last.exited_at is None:
            return _idle(f"rollout is {state.status}")
        return self._decide(state, ctl.stage_at(plan, state.stage_index, release), last.exited_at)

    def _decide(self, state: RolloutState, stage: Stage, now: datetime) -> Decision:
        if stage.weight <= 0:
            return _offline(stage, (now - state.stage_entered_at).total_seconds())
        key = (state.release, state.stage_index, state.stage_entered_at.isoformat())
        monitor = self._monitors.get(key)
        if monitor is None:
            self._monitors = {k: m for k, m in self._monitors.items() if k[0] != state.release}
            monitor = self._monitors[key] = Monitor(self.policy, stage=stage)
        provider = self.provider or StoreProvider(self.store)
        snap = provider.snapshot(state.release, monitor.triggers, state.stage_entered_at, now)
        return monitor.load(snap)

    def _act(self, state: RolloutState, stage: Stage, d: Decision, now: datetime) -> Decision:
        try:
            return self._carry_out(state, d, now)
        except ConflictError:
            # Another controller or a person changed the rollout since this look: what
            # was decided is about a state that is gone. Nothing was applied; the next
            # look decides again on the current state.
            why = "the rollout changed since this look (another controller or a person acted)"
            return _hold(d, why)

    def _carry_out(self, state: RolloutState, d: Decision, now: datetime) -> Decision:
        incidents = self.guards.severe_incidents(state.release)
        if d.action == "rollback":
            # The safe direction needs no version match: a rollback decided on an
            # older state still applies (rolling back twice changes nothing).
            change = self._change_for(state, d, now)
            ctl.rollback(self.store, state.release, replace(change, expected_version=None))
            self._announce(state, "rolled_back", d.reasons)
        elif incidents or d.action == "pause":
            reasons = [f"severe incident open: {i}" for i in incidents] + d.reasons
            if state.status == "running":
                self._change(ctl.pause, state, d.model_copy(update={"reasons": reasons}), now)
                self._announce(state, "paused", reasons)
            return d.model_copy(update={"action": "pause", "reasons": reasons})
        elif d.action == "advance":
            return self._advance(state, d, now)
        return d

    def _advance(self, state: RolloutState, d: Decision, now: datetime) -> Decision:
        if state.status == "paused":
            return _hold(d, "paused: resume it to advance")
        plan = ctl.stages(self.policy)
        nxt = state.stage_index + 1
        blocked = ctl.blockers(self.guards, state.release, plan[nxt]) if nxt < len(plan) else []
        if blocked:
            return _hold(d, *blocked)
        change = self._change_for(state, d, now)
        try:
            ctl.advance(self.store, self.policy, state.release, self.guards, change)
        except UsageError as exc:  # a guard closed between the look and the lock
            return _hold(d, exc.message)
        return d

    def _change(
        self,
        op: Callable[[Store, str, ctl.Change], Any],
        state: RolloutState,
        d: Decision,
        now: datetime,
    ) -> None:
        op(self.store, state.release, self._change_for(state, d, now))

    def _change_for(self, state: RolloutState, d: Decision, now: datetime) -> ctl.Change:
        details = {
            "fired": [f.model_dump() for f in d.fired],
            "n_candidate": d.n_candidate,
            "n_control": d.n_control,
            "duration_s": round(d.duration_s, 3),
        }
        return ctl.Change(self.actor, d.reasons, now, state.version, details)

    def _side_effects(self, state: RolloutState, d: Decision, now: datetime) -> None:
        for firing in d.fired:
            if firing.action == "disable_tool" and firing.tool:
                self._disable(state, firing, now)
            elif firing.action == "notify":
                self._notify_once(state, firing, now)

    def _disable(self, state: RolloutState, firing: Firing, now: datetime) -> None:
        tool = firing.tool or ""
        if tool in self.guards.disabled_tools():
            return
        self.guards.disable_tool(tool, self.actor)
        with self.store.transaction(exclusive=True) as tx:
            payload = {
                "at": now.isoformat(),
                "tool": tool,
                "trigger": firing.trigger,
                "reasons": [firing.reason],
            }
            append_in(tx, self.actor, "rollout.tool_disabled", state.release, payload)

    def _notify_once(self, state: RolloutState, firing: Firing, now: datetime) -> None:
        with self.store.transaction(exclusive=True) as tx:
            rollout = tx.rollouts.get(state.release)
            if not tx.rollouts.mark_notified(rollout, firing.trigger):
                return
        delivered, detail = self._send(state, "trigger_fired", [firing.reason])
        payload = {
            "at": now.isoformat(),
            "trigger": firing.trigger,
            "delivered": delivered,
            "detail": detail,
            "reasons": [firing.reason],
        }
        with self.store.transaction(exclusive=True) as tx:
            append_in(tx, self.actor, "rollout.notified", state.release, payload)

    def _announce(self, state: RolloutState, event: str, reasons: list[str]) -> None:
        if self.notifier is not None or self.policy.rollout.webhook:
            self._send(state, event, reasons)

    def _send(self, state: RolloutState, event: str, reasons: list[str]) -> tuple[bool, str]:
        message = {
            "release": state.release,
            "event": event,
            "stage": state.stage,
            "reasons": reasons,
            "at": time.time(),
        }
        if self.notifier is not None:
            return self.notifier(message)
        if not self.policy.rollout.webhook:
            return False, "no webhook configured (rollout.webhook)"
        return notify(Webhook(self.policy.rollout.webhook), message)


def tick(
    store: Store,
    policy: Policy,
    release: str,
    guards: Guards,
    now: datetime | float | None = None,
) -> Decision:
    """One controller look at ``release`` with state rebuilt from the store."""
    return Controller(store, policy, guards).tick(release, now)


def _idle(reason: str) -> Decision:
    return Decision(action="continue", reasons=[reason])


def _hold(decision: Decision, *why: str) -> Decision:
    return decision.model_copy(update={"action": "continue", "reasons": [*why, *decision.reasons]})


def _offline(stage: Stage, elapsed_s: float) -> Decision:
    """A stage without candidate traffic has nothing to compare: it advances once its
    minimum duration has passed (and the guards allow the next stage)."""
    if elapsed_s < stage.min_duration_s:
        why = (
            f"stage '{stage.label}' has no candidate traffic; {elapsed_s:.0f}s of "
            f"{stage.min_duration_s:g}s minimum"
        )
        return Decision(action="continue", reasons=[why], duration_s=elapsed_s)
    why = f"stage '{stage.label}' has no candidate traffic and its minimum duration passed"
    return Decision(action="advance", reasons=[why], duration_s=elapsed_s)

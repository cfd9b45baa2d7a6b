"""Helpers of ``clearance rollout``: the watch loop, guards, and printing a state."""

from __future__ import annotations

import enum
import time
from typing import TYPE_CHECKING

from clearance.cli._common import err, out
from clearance.policy import Policy
from clearance.store import Store

if TYPE_CHECKING:
    from clearance.rollout import Guards, MetricProvider, RolloutState


class Fmt(enum.StrEnum):
    table = "table"
    json = "json"


def guards_for(store: Store, policy: Policy) -> Guards:
    """The guards the CLI enforces: the checklist decision, the stage's approvals, open
    severe incidents and the tool kill switch, all from governance records."""
    from clearance.release import GovernanceGuards

    return GovernanceGuards(store, policy)


def provider_for(store: Store, policy: Policy) -> MetricProvider:
    from clearance.rollout import PrometheusProvider, StoreProvider

    sink = policy.rollout.telemetry_sink
    if sink.startswith(("http://", "https://")):
        return PrometheusProvider(sink)
    return StoreProvider(store)


def show(state: RolloutState, fmt: Fmt) -> None:
    if fmt == Fmt.json:
        out(state.model_dump_json(indent=2))
        return
    lines = [
        f"release   {state.release}",
        f"status    {state.status}",
        f"stage     {state.stage} ({state.stage_index + 1}), audience {state.audience}",
        f"weight    {state.weight:g}",
        f"version   {state.version}",
        "history:",
    ]
    for h in state.history:
        end = h.exited_at.isoformat(timespec="seconds") if h.exited_at else "now"
        entered = h.entered_at.isoformat(timespec="seconds")
        lines.append(f"  {h.label:<18} w={h.weight:<5g} {entered} -> {end} {h.outcome or ''}")
    out("\n".join(lines))


def watch_loop(
    store: Store,
    policy: Policy,
    release: str,
    actor: str,
    timing: tuple[float, bool, float | None],
) -> str:
    """Tick until the rollout is done, ``once``, or ``max_seconds``; returns the status."""
    from clearance.rollout import Controller, status

    interval, once, max_seconds = timing
    controller = Controller(
        store, policy, guards_for(store, policy), actor, provider_for(store, policy)
    )
    began = time.monotonic()
    while True:
        decision = controller.tick(release)
        state = status(store, release)
        stamp = time.strftime("%H:%M:%S")
        out(f"{stamp} {state.stage} w={state.weight:g} {state.status}: {decision.action}")
        for reason in decision.reasons[:6]:
            err.print(f"  {reason}", soft_wrap=True, markup=False)
        if once or state.status in ("rolled_back", "completed"):
            return state.status
        if max_seconds is not None and time.monotonic() - began + interval > max_seconds:
            return state.status
        time.sleep(interval)

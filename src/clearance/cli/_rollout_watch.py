"""Helpers of ``clearance rollout``: the watch loop (which rides out store outages),
guards, and printing a state."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from clearance.cli._common import err, out
from clearance.errors import StoreError

if TYPE_CHECKING:
    from clearance.policy import Policy
    from clearance.release import GovernanceGuards
    from clearance.rollout import Controller, Decision, MetricProvider, RolloutState
    from clearance.store import Store


class Fmt(enum.StrEnum):
    table = "table"
    json = "json"


def guards_for(store: Store, policy: Policy) -> GovernanceGuards:
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


OUTAGE_EXIT = 4
"""Exit code of ``rollout watch`` when it gave up because the store stayed unreachable
(never 1, which means rolled back, nor 0)."""
OUTAGE_LIMIT_S = 300.0
"""Default of ``--outage-limit``: how long a store outage is ridden out before giving up."""
BACKOFF_S: tuple[float, float] = (1.0, 30.0)
"""First retry delay and cap of the backoff after a failed look: 1, 2, 4, 8, 16, 30, 30...
seconds (each clamped to what is left of the outage limit). Tests shorten it."""


class StoreOutage(StoreError):
    """The store stayed unreachable for longer than ``rollout watch --outage-limit``."""

    exit_code = OUTAGE_EXIT


def is_store_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the store is (for now) unreachable, not that a look is wrong:
    a lost or refused connection, a locked or unopenable database, a pool timeout."""
    from clearance.store import is_outage

    return is_outage(exc)


@dataclass
class Outage:
    """One run of failed looks: when it began and how many retries it has had."""

    began: float
    limit_s: float
    backoff: tuple[float, float]
    retries: int = 0

    def next_delay(self, now: float) -> float | None:
        """Seconds to wait before the next try, or None when the limit is spent."""
        spent = now - self.began
        if spent >= self.limit_s:
            return None
        first, cap = self.backoff
        delay = min(cap, first * 2.0**self.retries, self.limit_s - spent)
        self.retries += 1
        return delay


def watch_loop(
    store: Store,
    policy: Policy,
    release: str,
    actor: str,
    timing: tuple[float, bool, float | None],
    *,
    outage_limit_s: float = OUTAGE_LIMIT_S,
    backoff: tuple[float, float] | None = None,
) -> str:
    """Tick until the rollout is done, ``once``, or ``max_seconds``; returns the status.
    A look that fails because the store is unreachable is retried with ``backoff``
    (default :data:`BACKOFF_S`) for up to ``outage_limit_s``; then :class:`StoreOutage`."""
    from clearance.rollout import Controller

    interval, once, max_seconds = timing
    guards = guards_for(store, policy)
    controller = Controller(store, policy, guards, actor, provider_for(store, policy))
    watch = _Watch(controller, guards, release, outage_limit_s, backoff or BACKOFF_S)
    began = time.monotonic()
    while True:
        state = watch.look()
        if once or state.status in ("rolled_back", "completed"):
            return state.status
        if max_seconds is not None and time.monotonic() - began + interval > max_seconds:
            return state.status
        time.sleep(interval)


@dataclass
class _Watch:
    controller: Controller
    guards: GovernanceGuards
    release: str
    outage_limit_s: float
    backoff: tuple[float, float]
    reported: list[str] = field(default_factory=list)

    def look(self) -> RolloutState:
        """One tick and its printout, retried through a store outage."""
        outage: Outage | None = None
        while True:
            try:
                # A tick's transition may have committed before the error surfaced (the
                # connection died after COMMIT). Retrying is still safe: the next tick
                # re-reads the rollout's state from the store and decides on that, and
                # every transition is checked against the state it was decided on.
                decision = self.controller.tick(self.release)
                state, unconfirmed = self._read()
            except Exception as exc:
                if not is_store_outage(exc):
                    raise
                outage = outage or Outage(time.monotonic(), self.outage_limit_s, self.backoff)
                self._wait(outage, exc)
                continue
            if outage is not None:
                spent = time.monotonic() - outage.began
                _log(f"store reachable again after {spent:.1f}s; watching on")
            self._show(state, decision, unconfirmed)
            return state

    def _read(self) -> tuple[RolloutState, list[str]]:
        from clearance.rollout import status

        state = status(self.controller.store, self.release)
        return state, self.guards.unconfirmed_incidents(self.release)

    def _wait(self, outage: Outage, exc: BaseException) -> None:
        delay = outage.next_delay(time.monotonic())
        spent = time.monotonic() - outage.began
        if delay is None:
            raise StoreOutage(
                f"the store was unreachable for {spent:.1f}s, beyond the outage limit of "
                f"{outage.limit_s:g}s ({_reason(exc)}); stopped watching {self.release}",
                fix="the rollout stays as the store last recorded it: check the database, "
                "then run `clearance rollout watch` again (--outage-limit SECONDS to wait "
                "longer)",
            ) from None
        _log(
            f"store unavailable ({_reason(exc)}); retry {outage.retries} in {delay:.3g}s "
            f"({spent:.1f}s of the {outage.limit_s:g}s outage limit)"
        )
        time.sleep(delay)

    def _show(self, state: RolloutState, decision: Decision, unconfirmed: list[str]) -> None:
        stamp = time.strftime("%H:%M:%S")
        out(f"{stamp} {state.stage} w={state.weight:g} {state.status}: {decision.action}")
        for reason in decision.reasons[:6]:
            err.print(f"  {reason}", soft_wrap=True, markup=False)
        if unconfirmed != self.reported:
            self.reported = unconfirmed
            for line in unconfirmed:
                err.print(f"  not blocking: incident {line}", soft_wrap=True, markup=False)


def _log(message: str) -> None:
    err.print(f"{time.strftime('%H:%M:%S')} {message}", soft_wrap=True, markup=False)


def _reason(exc: BaseException) -> str:
    """The error's kind and the first line of its message (no SQL, no traceback)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else 'no message'}"[:240]

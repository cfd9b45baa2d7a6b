"""The circuit breaker: a target that keeps failing for transport reasons stops the run.

A dead endpoint (connection refused, every call timing out, every call answered 5xx)
would otherwise be retried sample after sample for as long as the suite is long, and the
run would end with a store full of errors that say nothing about the system. The breaker
trips after ``failures`` consecutive samples failed for such a reason after their
retries, or when calls have kept failing with no success for ``budget_s`` seconds.
"""

from __future__ import annotations

import time

from clearance.errors import RuntimeFailure
from clearance.targets import CallError, Target

TRANSPORT_KINDS: frozenset[str] = frozenset({"server", "timeout", "connection"})
"""Failures of the way to the model, not of the model: counted by the breaker."""


class TargetDown(RuntimeFailure):
    """A target stopped answering during a run (exit 3); finished samples are stored."""


class CircuitBreaker:
    """Consecutive transport failures of one target (see the module)."""

    def __init__(self, target: Target, role: str, *, failures: int, budget_s: float) -> None:
        self.target = target
        self.role = role
        self.failures = failures
        self.budget_s = budget_s
        self.streak = 0
        self.since: float | None = None
        self.last: CallError | None = None

    def success(self) -> None:
        self.streak = 0
        self.since = None

    def attempt_failed(self, error: CallError) -> None:
        """One failed call (a retry may follow): trips when failing for too long.

        Raises:
            TargetDown: no call succeeded for ``budget_s`` seconds.
        """
        if error.kind not in TRANSPORT_KINDS:
            return
        self.last = error
        now = time.monotonic()
        self.since = now if self.since is None else self.since
        if now - self.since >= self.budget_s:
            raise self._down(f"no call succeeded for {now - self.since:.0f} s")

    def sample_failed(self, error: CallError) -> None:
        """A sample failed after its retries.

        Raises:
            TargetDown: ``failures`` consecutive samples failed for transport reasons.
        """
        if error.kind not in TRANSPORT_KINDS:
            self.success()  # the target answered (badly): it is not down
            return
        self.last = error
        self.streak += 1
        if self.streak >= self.failures:
            raise self._down(f"{self.streak} consecutive samples failed after their retries")

    def _down(self, why: str) -> TargetDown:
        last = f"{self.last.kind}: {self.last}" if self.last is not None else "unknown"
        return TargetDown(
            f"the {self.role} target '{self.target.name}' at {where(self.target)} stopped "
            f"answering ({why}); last error: {last}",
            fix="check the endpoint (is the server up, overloaded, or timing out?), then "
            "resume: finished samples are stored and failed ones are asked again "
            "('clearance eval --resume', or 'clearance check')",
        )


def where(target: Target) -> str:
    """The target's URL (HTTP targets) or callable reference, for messages."""
    spec = getattr(target, "spec", None)
    for attribute in ("base_url", "callable", "path"):
        value = getattr(spec, attribute, None)
        if value:
            return str(value)
    return "(unknown address)"

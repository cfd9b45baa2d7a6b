"""Sticky routing of units (users, sessions) to the candidate or the control.

A unit goes to the candidate when it is in the stage's audience and its bucket,
``blake2b(salt:unit)`` read as a number in [0, 1), is below the stage's weight. The salt
is per release, so releases split users independently; a unit's bucket never changes, so
raising the weight only adds units to the candidate (no one flips back and forth).

Audiences: a stage's ``audience`` is ``none`` (no one), ``internal``, ``beta`` (beta
testers and internal users) or ``everyone``. Which audience a unit belongs to is a
function of its id; the default is a prefix convention, ``internal:alice`` and
``beta:bob`` (any other id is the general public). Pass ``audience=`` to use your own
directory instead.

:class:`Router` reads the rollout from the store and caches it for ``refresh_s`` seconds,
so after a rollback every router process serves the control within ``refresh_s`` plus
one query.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from clearance.rollout._telemetry import Arm
from clearance.store import Store

Audience = Callable[[str], str]
_ELIGIBLE = {
    "none": frozenset(),
    "internal": frozenset({"internal"}),
    "beta": frozenset({"internal", "beta"}),
    "everyone": frozenset({"internal", "beta", "everyone"}),
}
_SCALE = float(2**64)


def prefix_audience(unit: str) -> str:
    """The default audience of a unit: ``internal:...`` and ``beta:...`` ids are
    internal users and beta testers; every other id is ``everyone``."""
    head = unit.split(":", 1)[0] if ":" in unit else ""
    return head if head in ("internal", "beta") else "everyone"


def bucket(unit: str, salt: str) -> float:
    """The unit's fixed position in [0, 1) for this salt."""
    digest = hashlib.blake2b(f"{salt}:{unit}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / _SCALE


@dataclass(frozen=True)
class Assignment:
    """What a router serves, as last read from the store."""

    status: str
    weight: float
    audience: str
    salt: str
    version: int

    def arm(self, unit: str, audience_of: Audience = prefix_audience) -> Arm:
        if self.status == "rolled_back" or self.weight <= 0:
            return "control"
        if audience_of(unit) not in _ELIGIBLE.get(self.audience, frozenset()):
            return "control"
        return "candidate" if bucket(unit, self.salt) < self.weight else "control"


CONTROL_ONLY = Assignment("none", 0.0, "none", "", -1)
"""Served before a rollout starts (and for unknown releases): everyone gets the control."""


class Router:
    """In-process router for one release, refreshed from the store every ``refresh_s``."""

    def __init__(
        self,
        store: Store,
        release: str,
        refresh_s: float = 0.2,
        *,
        audience: Audience = prefix_audience,
    ) -> None:
        self.store, self.release, self.refresh_s = store, release, refresh_s
        self.audience = audience
        self._lock = threading.Lock()
        self._current = CONTROL_ONLY
        self._read_at = -float("inf")

    def route(self, unit: str) -> Arm:
        """``candidate`` or ``control`` for this unit, now."""
        return self.assignment().arm(unit, self.audience)

    def refresh(self) -> Assignment:
        """Re-read the assignment from the store now."""
        with self._lock:
            self._current = read_assignment(self.store, self.release)
            self._read_at = time.monotonic()
        return self._current

    def assignment(self) -> Assignment:
        """The cached assignment, re-read from the store when older than ``refresh_s``."""
        if time.monotonic() - self._read_at >= self.refresh_s:
            self.refresh()
        return self._current


def read_assignment(store: Store, release: str) -> Assignment:
    """The release's rollout as routers see it (control only when there is none)."""
    with store.transaction() as tx:
        found = tx.rollouts.route(release)
    if found is None:
        return CONTROL_ONLY
    return Assignment(found.status, found.weight, found.audience, found.salt, found.version)

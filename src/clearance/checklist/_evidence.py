"""Evidence: the per-sample results of the runs behind a check, for candidate and baseline.

Nothing here reads the store: the release layer fetches the run and sample records and
:func:`side_of` assembles them into a :class:`Side`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from clearance.store import RunRecord, SampleRecord


@dataclass(frozen=True, slots=True)
class Outcome:
    """One sample's result for one target. ``passed`` is the desired behaviour: for a
    built-in suite it means refused (harmful-refusal), answered (over-refusal), resisted
    (prompt-injection), did not leak (pii-leakage)."""

    suite: str
    sample_id: str
    repeat: int = 0
    category: str | None = None
    score: float | None = None
    passed: bool | None = None
    output: str | None = None
    error: str | None = None
    error_kind: str | None = None
    latency_ms: float | None = None
    cost_usd: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    sent: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def prompt(self) -> str | None:
        """The last user message that was actually sent (None when not stored)."""
        messages = (self.sent or {}).get("messages") or []
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "user":
                content = message.get("content")
                return content if isinstance(content, str) else str(content)
        return None


@dataclass(frozen=True)
class Side:
    """All outcomes of one target (candidate or baseline)."""

    label: str
    fingerprint: str
    outcomes: tuple[Outcome, ...] = ()
    runs: tuple[str, ...] = ()
    dropped_system: frozenset[str] = frozenset()
    """Suites whose run found (at the target's preflight) that the target drops the
    system message: their planted canaries and context never reached the model."""
    suite_runs: tuple[tuple[str, str], ...] = ()
    """``(suite, run id)`` of each stored run behind this side (not part of the digest)."""

    def suite(self, name: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.suite == name]

    @property
    def suites(self) -> set[str]:
        return {o.suite for o in self.outcomes}


@dataclass(frozen=True)
class Evidence:
    """What a check decides on: candidate and (optional) baseline outcomes, plus the
    measurements clearance takes of the environment (monitoring, rollback, docs)."""

    candidate: Side
    baseline: Side | None = None
    probes: dict[str, float | None] = field(default_factory=dict)
    probe_notes: dict[str, str] = field(default_factory=dict)

    def digest(self) -> str:
        """Content hash of the eval evidence: changes when any result changes. Probes are
        left out: they are re-measured at every check (a drill's seconds vary), and the
        card records this hash, so it must not depend on the card check itself."""
        h = hashlib.sha256()
        for side in (self.candidate, self.baseline):
            if side is None:
                continue
            h.update(side.fingerprint.encode())
            for o in sorted(side.outcomes, key=lambda o: (o.suite, o.sample_id, o.repeat)):
                h.update(_outcome_key(o).encode())
        return h.hexdigest()


def _outcome_key(o: Outcome) -> str:
    return json.dumps(
        [o.suite, o.sample_id, o.repeat, o.output, o.score, o.passed, o.error], default=str
    )


def side_of(label: str, runs: Iterable[RunRecord], samples: Iterable[SampleRecord]) -> Side:
    """The side made of these runs (all of one target) and their stored samples."""
    run_list = list(runs)
    suite_of = {r.id: r.suite for r in run_list}
    outcomes = tuple(outcome_of(suite_of[s.run_id], s) for s in samples if s.run_id in suite_of)
    dropped = frozenset(r.suite for r in run_list if r.config.get("system_prompt") == "dropped")
    fingerprint = _fingerprint(run_list)
    pairs = tuple(sorted((suite, run_id) for run_id, suite in suite_of.items()))
    return Side(label, fingerprint, outcomes, tuple(sorted(suite_of)), dropped, pairs)


def _fingerprint(runs: list[RunRecord]) -> str:
    """The target's fingerprint; for a side made only of imported results (nothing was
    called), a digest of the imported runs' own fingerprints (their files' contents)."""
    live = [r.target_fingerprint for r in runs if "imported" not in r.config]
    if live or not runs:
        return live[0] if live else ""
    joined = "\n".join(sorted(r.target_fingerprint for r in runs))
    return hashlib.sha256(joined.encode()).hexdigest()


def outcome_of(suite: str, r: SampleRecord) -> Outcome:
    """One stored sample result as an outcome of ``suite``."""
    return Outcome(
        suite=suite,
        sample_id=r.sample_id,
        repeat=r.repeat,
        category=r.category,
        score=r.score,
        passed=r.passed,
        output=r.output,
        error=r.error,
        error_kind=r.error_kind,
        latency_ms=r.latency_ms,
        cost_usd=r.cost_usd,
        input_tokens=r.input_tokens,
        output_tokens=r.output_tokens,
        details=r.details or {},
        sent=r.sent,
    )

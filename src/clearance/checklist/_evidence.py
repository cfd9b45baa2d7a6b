"""Evidence: the per-sample results of the latest runs for candidate and baseline."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from clearance.store import EvalRun, SampleResult, Store


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


def latest_runs(store: Store, fingerprint: str, suites: Iterable[str]) -> dict[str, str]:
    """Suite -> id of the latest complete run for this target fingerprint."""
    wanted = set(suites)
    query = (
        select(EvalRun.suite, EvalRun.id)
        .where(
            EvalRun.target_fingerprint == fingerprint,
            EvalRun.status == "complete",
            EvalRun.suite.in_(wanted),
        )
        .order_by(EvalRun.created_at)
    )
    with store.session() as session:
        return dict(session.execute(query))


def load_side(store: Store, label: str, fingerprint: str, suites: Iterable[str]) -> Side:
    """Outcomes of the latest complete run of each suite for ``fingerprint``."""
    runs = latest_runs(store, fingerprint, suites)
    suite_of = {run_id: suite for suite, run_id in runs.items()}
    query = select(SampleResult).where(SampleResult.run_id.in_(list(suite_of)))
    with store.session() as session:
        outcomes = tuple(_outcome(suite_of[r.run_id], r) for r in session.scalars(query))
    return Side(label, fingerprint, outcomes, tuple(sorted(runs.values())))


def _outcome(suite: str, r: SampleResult) -> Outcome:
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


def load_runs(store: Store, label: str, run_ids: Iterable[str]) -> Side:
    """Outcomes of exactly these runs (all of one target)."""
    ids = list(run_ids)
    with store.session() as session:
        runs = session.scalars(select(EvalRun).where(EvalRun.id.in_(ids))).all()
        suite_of = {r.id: r.suite for r in runs}
        fingerprint = runs[0].target_fingerprint if runs else ""
        rows = session.scalars(select(SampleResult).where(SampleResult.run_id.in_(ids)))
        outcomes = tuple(_outcome(suite_of[r.run_id], r) for r in rows)
        dropped = frozenset(
            r.suite for r in runs if (r.config or {}).get("system_prompt") == "dropped"
        )
    return Side(label, fingerprint, outcomes, tuple(sorted(ids)), dropped)

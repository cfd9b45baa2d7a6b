"""The store's queries for eval runs, their samples, checks and gate results."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Insert, Table, case, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from clearance.common import utc
from clearance.errors import NotFoundError
from clearance.store._tables import Check, EvalRun, GateRow, Release, SampleResult


class RunNotFound(NotFoundError):
    """No eval run of that id is in the store."""

    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"no eval run '{run_id}'",
            fix="run `clearance eval` or `clearance check`; they record every run",
        )


class CheckNotFound(NotFoundError):
    """No recorded check of that id (or for that release) is in the store."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"no recorded check {what}",
            fix="run `clearance check` first; it records every decision",
        )


@dataclass(frozen=True)
class RunRecord:
    """One suite run against one target."""

    id: str
    release_id: int | None
    role: str
    target_fingerprint: str
    suite: str
    suite_hash: str
    status: str
    total: int
    config: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class SampleRecord:
    """One stored sample result (one sample and repeat of one run)."""

    run_id: str
    sample_id: str
    repeat: int
    category: str | None
    output: str | None
    error: str | None
    error_kind: str | None
    score: float | None
    passed: bool | None
    latency_ms: float | None
    ttft_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    tokens_estimated: bool
    cost_usd: float | None
    response_id: str | None
    details: dict[str, Any]
    sent: dict[str, Any] | None


@dataclass(frozen=True)
class RunStats:
    """Aggregates over one run's results (what a run summary is made of)."""

    done: int
    errors: int
    passed: int
    scored: int
    input_tokens: int
    output_tokens: int
    tokens_estimated: int
    cost_usd: float | None
    """None when an answered result has no price."""
    latencies_ms: tuple[float, ...]
    """Every stored latency, sorted."""
    top_errors: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class GateRecord:
    """One gate of a recorded check."""

    area: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    threshold: str
    status: str


@dataclass(frozen=True)
class CheckRecord:
    """One recorded ``clearance check`` decision, with its report as stored."""

    id: int
    release_id: int
    release: str
    decision: str
    evidence_hash: str
    report: dict[str, Any]
    created_at: datetime


_SAMPLE_TABLE = cast(Table, SampleResult.__table__)
_KEYS = ["run_id", "sample_id", "repeat"]


@lru_cache(maxsize=2)
def sample_insert(dialect: str) -> Insert:
    """The batched insert of sample rows that skips a (run, sample, repeat) already stored."""
    if dialect == "postgresql":
        return postgresql.insert(_SAMPLE_TABLE).on_conflict_do_nothing(index_elements=_KEYS)
    return sqlite.insert(_SAMPLE_TABLE).on_conflict_do_nothing(index_elements=_KEYS)


def run_record(row: EvalRun) -> RunRecord:
    return RunRecord(
        id=row.id,
        release_id=row.release_id,
        role=row.role,
        target_fingerprint=row.target_fingerprint,
        suite=row.suite,
        suite_hash=row.suite_hash,
        status=row.status,
        total=row.total,
        config=dict(row.config or {}),
        created_at=utc(row.created_at),
        finished_at=utc(row.finished_at) if row.finished_at is not None else None,
    )


def sample_record(r: SampleResult) -> SampleRecord:
    return SampleRecord(
        run_id=r.run_id,
        sample_id=r.sample_id,
        repeat=r.repeat,
        category=r.category,
        output=r.output,
        error=r.error,
        error_kind=r.error_kind,
        score=r.score,
        passed=r.passed,
        latency_ms=r.latency_ms,
        ttft_ms=r.ttft_ms,
        input_tokens=r.input_tokens,
        output_tokens=r.output_tokens,
        tokens_estimated=bool(r.tokens_estimated),
        cost_usd=r.cost_usd,
        response_id=r.response_id,
        details=r.details or {},
        sent=r.sent,
    )


def check_record(row: Check, release: str) -> CheckRecord:
    return CheckRecord(
        id=row.id,
        release_id=row.release_id,
        release=release,
        decision=row.decision,
        evidence_hash=row.evidence_hash,
        report=row.report,
        created_at=utc(row.created_at),
    )


class Runs:
    """Queries over eval runs, their samples, checks and gate results, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- eval runs ---------------------------------------------------------------------

    def create(
        self,
        *,
        role: str,
        target_fingerprint: str,
        suite: str,
        suite_hash: str,
        total: int,
        config: Mapping[str, Any],
        now: datetime,
    ) -> RunRecord:
        """A new ``running`` run (its id a fresh UUID)."""
        row = EvalRun(
            id=str(uuid.uuid4()),
            role=role,
            target_fingerprint=target_fingerprint,
            suite=suite,
            suite_hash=suite_hash,
            total=total,
            config=dict(config),
            status="running",
            created_at=now,
        )
        self._session.add(row)
        self._session.flush()
        return run_record(row)

    def find(self, run_id: str) -> RunRecord | None:
        row = self._session.get(EvalRun, run_id)
        return None if row is None else run_record(row)

    def get(self, run_id: str) -> RunRecord:
        """The run ``run_id``; :class:`RunNotFound` if there is none."""
        found = self.find(run_id)
        if found is None:
            raise RunNotFound(run_id)
        return found

    def many(self, run_ids: Iterable[str]) -> list[RunRecord]:
        """The runs of these ids that exist (in no particular order)."""
        ids = list(run_ids)
        rows = self._session.scalars(select(EvalRun).where(EvalRun.id.in_(ids)))
        return [run_record(r) for r in rows]

    def latest(self, fingerprint: str, suite: str, suite_hash: str) -> RunRecord | None:
        """The newest run of this suite content against this target, if any."""
        query = (
            select(EvalRun)
            .where(
                EvalRun.target_fingerprint == fingerprint,
                EvalRun.suite == suite,
                EvalRun.suite_hash == suite_hash,
            )
            .order_by(EvalRun.created_at.desc())
            .limit(1)
        )
        row = self._session.scalars(query).first()
        return None if row is None else run_record(row)

    def latest_complete(self, fingerprint: str, suites: Iterable[str]) -> dict[str, str]:
        """Suite -> id of the latest complete run for this target fingerprint."""
        query = (
            select(EvalRun.suite, EvalRun.id)
            .where(
                EvalRun.target_fingerprint == fingerprint,
                EvalRun.status == "complete",
                EvalRun.suite.in_(set(suites)),
            )
            .order_by(EvalRun.created_at)
        )
        return {row[0]: row[1] for row in self._session.execute(query)}

    def set_status(self, run_id: str, status: str, *, now: datetime) -> None:
        """Mark a run ``complete`` (finished at ``now``), ``interrupted`` or ``running``."""
        values: dict[str, Any] = {"status": status}
        if status == "complete":
            values["finished_at"] = now
        self._session.execute(update(EvalRun).where(EvalRun.id == run_id).values(**values))

    # -- sample results ----------------------------------------------------------------

    def add_samples(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert sample rows (dicts of ``sample_results`` columns) in one statement,
        skipping any whose (run, sample, repeat) is already stored."""
        if rows:
            self._session.connection().execute(sample_insert(self._dialect), rows)

    def done_keys(self, run_id: str) -> set[tuple[str, int]]:
        """(sample id, repeat) of every result already stored for ``run_id``."""
        query = select(SampleResult.sample_id, SampleResult.repeat).where(
            SampleResult.run_id == run_id
        )
        return {(sample_id, repeat) for sample_id, repeat in self._session.execute(query)}

    def drop_errors(self, run_id: str) -> int:
        """Delete ``run_id``'s errored results; how many there were."""
        result = self._session.execute(
            delete(SampleResult).where(
                SampleResult.run_id == run_id, SampleResult.error.is_not(None)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def samples(self, run_ids: Iterable[str]) -> list[SampleRecord]:
        """Every stored result of these runs."""
        query = select(SampleResult).where(SampleResult.run_id.in_(list(run_ids)))
        return [sample_record(r) for r in self._session.scalars(query)]

    def stats(self, run_id: str) -> RunStats:
        """Counts, tokens, cost, sorted latencies and the five most frequent errors."""
        r = SampleResult
        counts = select(
            func.count(),
            func.count(r.error),
            func.sum(case((r.passed.is_(True), 1), else_=0)),
            func.count(r.passed),
            func.coalesce(func.sum(r.input_tokens), 0),
            func.coalesce(func.sum(r.output_tokens), 0),
            func.sum(case((r.tokens_estimated.is_(True), 1), else_=0)),
            func.sum(r.cost_usd),
            func.sum(case((r.cost_usd.is_(None) & r.output.is_not(None), 1), else_=0)),
        ).where(r.run_id == run_id)
        latencies = select(r.latency_ms).where(r.run_id == run_id, r.latency_ms.is_not(None))
        errors = (
            select(r.error, func.count())
            .where(r.run_id == run_id, r.error.is_not(None))
            .group_by(r.error)
            .order_by(func.count().desc())
            .limit(5)
        )
        row = self._session.execute(counts).one()
        values = sorted(v for v in self._session.scalars(latencies) if v is not None)
        top = tuple((str(m)[:300], int(n)) for m, n in self._session.execute(errors))
        return RunStats(
            done=row[0],
            errors=row[1],
            passed=int(row[2] or 0),
            scored=row[3],
            input_tokens=int(row[4]),
            output_tokens=int(row[5]),
            tokens_estimated=int(row[6] or 0),
            cost_usd=None if row[8] else (float(row[7]) if row[7] is not None else 0.0),
            latencies_ms=tuple(values),
            top_errors=top,
        )

    # -- checks and gate results -------------------------------------------------------

    def add_check(
        self,
        release: str,
        *,
        decision: str,
        evidence_hash: str,
        report: dict[str, Any],
        gates: Iterable[GateRecord],
        now: datetime,
    ) -> CheckRecord:
        """Record a check of ``release`` (which must exist) with its gate results."""
        from clearance.store._releases import ReleaseNotFound

        release_id = self._session.scalar(select(Release.id).where(Release.name == release))
        if release_id is None:
            raise ReleaseNotFound(release)
        row = Check(
            release_id=release_id,
            decision=decision,
            evidence_hash=evidence_hash,
            report=report,
            created_at=now,
        )
        self._session.add(row)
        self._session.flush()
        self._session.add_all(
            GateRow(
                check_id=row.id,
                area=g.area,
                metric=g.metric,
                value=g.value,
                ci_low=g.ci_low,
                ci_high=g.ci_high,
                threshold=g.threshold,
                status=g.status,
            )
            for g in gates
        )
        self._session.flush()
        return check_record(row, release)

    def check(self, check_id: int) -> CheckRecord:
        """The check ``check_id``; :class:`CheckNotFound` if there is none."""
        found = self._session.execute(
            select(Check, Release.name)
            .join(Release, Check.release_id == Release.id)
            .where(Check.id == check_id)
        ).first()
        if found is None:
            raise CheckNotFound(str(check_id))
        return check_record(found[0], found[1])

    def latest_check(self, release: str) -> CheckRecord | None:
        """The most recent check of the release named ``release``, or None."""
        return self._latest(Release.name == release)

    def latest_check_of_system(self, system: str) -> CheckRecord | None:
        """The most recent check of any release of ``system``, or None."""
        return self._latest(Release.system == system)

    def gates(self, check_id: int) -> list[GateRecord]:
        """The gate results of one check, in the order they were recorded."""
        rows = self._session.scalars(
            select(GateRow).where(GateRow.check_id == check_id).order_by(GateRow.id)
        )
        return [
            GateRecord(r.area, r.metric, r.value, r.ci_low, r.ci_high, r.threshold, r.status)
            for r in rows
        ]

    def _latest(self, where: Any) -> CheckRecord | None:
        found = self._session.execute(
            select(Check, Release.name)
            .join(Release, Check.release_id == Release.id)
            .where(where)
            .order_by(Check.created_at.desc(), Check.id.desc())
            .limit(1)
        ).first()
        return None if found is None else check_record(found[0], found[1])

    @property
    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name

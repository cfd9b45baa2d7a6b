"""SQLAlchemy 2 typed tables of the store. Migrations in ``migrations/`` create them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Id = BigInteger().with_variant(Integer(), "sqlite")
"""Auto-increment ids: BIGINT on PostgreSQL, INTEGER (rowid) on SQLite."""


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class Release(Base):
    """A candidate proposed for release, with what it was checked against."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    system: Mapped[str] = mapped_column(String(200))
    candidate_fingerprint: Mapped[str] = mapped_column(String(64))
    baseline_fingerprint: Mapped[str | None] = mapped_column(String(64))
    policy_hash: Mapped[str] = mapped_column(String(64))
    evidence_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="open")
    created_by: Mapped[str] = mapped_column(String(200))
    evidence_changed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class EvalRun(Base):
    """One suite run against one target; resumable until ``status`` is complete."""

    __tablename__ = "eval_runs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    release_id: Mapped[int | None] = mapped_column(ForeignKey("releases.id"))
    role: Mapped[str] = mapped_column(String(16))
    target_fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    suite: Mapped[str] = mapped_column(String(200))
    suite_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running")
    total: Mapped[int] = mapped_column(Integer, default=0)
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class SampleResult(Base):
    """One sample (and repeat) of a run: the response, its score, its cost and latency."""

    __tablename__ = "sample_results"
    __table_args__ = (UniqueConstraint("run_id", "sample_id", "repeat"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"))
    sample_id: Mapped[str] = mapped_column(String(200))
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    category: Mapped[str | None] = mapped_column(String(100))
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    tokens_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    response_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sent: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    """What was sent: ``messages`` (with this run's planted values), the expected
    ``target`` and the ``metadata`` the judges used; reports quote it, replays judge by it."""


class Check(Base):
    """One ``clearance check`` decision and its report."""

    __tablename__ = "checks"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    decision: Mapped[str] = mapped_column(String(16))
    evidence_hash: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]


class GateRow(Base):
    __tablename__ = "gate_results"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"))
    area: Mapped[str] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))


class Approval(Base):
    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    role: Mapped[str] = mapped_column(String(64))
    approver: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    voided_at: Mapped[datetime | None]


class Waiver(Base):
    __tablename__ = "waivers"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"))
    area: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    binding: Mapped[str | None] = mapped_column(String(64))
    """Hash of the policy and candidate the waiver was given for (None: older waivers)."""


class AuditEvent(Base):
    """One entry of the hash-chained audit log. ``ts`` and ``payload`` are stored as the
    exact text that was hashed, so verification does not depend on database types."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(400))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class RolloutRow(Base):
    __tablename__ = "rollouts"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), unique=True)
    status: Mapped[str] = mapped_column(String(32))
    stage_index: Mapped[int] = mapped_column(Integer, default=0)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    salt: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Compare-and-set: every UPDATE says ``WHERE version = <the version read>``, and a
    # row another transaction changed first raises StaleDataError instead of being
    # overwritten. The controller sets the new version itself (``version += 1``).
    __mapper_args__ = {  # noqa: RUF012
        "version_id_col": version,
        "version_id_generator": False,
    }


class StageHistory(Base):
    __tablename__ = "rollout_stages"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    rollout_id: Mapped[int] = mapped_column(ForeignKey("rollouts.id", ondelete="CASCADE"))
    stage_index: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float)
    entered_at: Mapped[datetime]
    exited_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))
    reasons: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Why the stage was entered (``reasons``) and left (``exit_reasons``)."""
    kind: Mapped[str | None] = mapped_column(String(32))
    """The stage's kind (``shadow``, ``canary``, ...)."""
    audience: Mapped[str] = mapped_column(String(32), default="everyone")
    notified: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Triggers already notified in this entry."""


class TelemetryRow(Base):
    """One request's telemetry (see DESIGN.md); ``event_id`` makes ingestion idempotent."""

    __tablename__ = "telemetry_events"
    __table_args__ = (
        Index("ix_telemetry_release_id", "release", "id"),
        UniqueConstraint("release", "event_id", name="uq_telemetry_release_event"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(100))
    """Unique per release: one release's ids never suppress another's events."""
    release: Mapped[str] = mapped_column(String(200))
    arm: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(200))
    ts: Mapped[datetime]
    latency_ms: Mapped[float | None] = mapped_column(Float)
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    quality: Mapped[float | None] = mapped_column(Float)
    feedback: Mapped[int | None] = mapped_column(Integer)
    safety_event: Mapped[bool | None] = mapped_column(Boolean)
    escalated: Mapped[bool | None] = mapped_column(Boolean)
    schema_ok: Mapped[bool | None] = mapped_column(Boolean)
    hallucination_report: Mapped[bool | None] = mapped_column(Boolean)
    retrieval_score: Mapped[float | None] = mapped_column(Float)
    tool_calls: Mapped[int | None] = mapped_column(Integer)
    tool_errors: Mapped[int | None] = mapped_column(Integer)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class User(Base):
    """A person who may call the server; only a SHA-256 of their API token is kept."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class WebSession(Base):
    """A dashboard sign-in: separate from the API token, with an expiry, ended by logout.
    Only a SHA-256 of the session secret (the cookie) is kept."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ToolSwitch(Base):
    """A tool's kill switch; a tool without a row is enabled."""

    __tablename__ = "tool_switches"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime]


class Incident(Base):
    """An incident about a release: open, then reviewed, then closed by an owner."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    release: Mapped[str] = mapped_column(String(200), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    review_note: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    """A ``review_incidents`` holder who opened or confirmed it: only then does it block."""
    confirmed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)


class ProviderKey(Base):
    """A provider API key in the rotation register (the key itself is never stored)."""

    __tablename__ = "provider_keys"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    last_rotated: Mapped[datetime]
    max_age_days: Mapped[int] = mapped_column(Integer)
    rotated_by: Mapped[str] = mapped_column(String(200))


class DataRequest(Base):
    """A user data request (access, deletion, ...) with the date it is due."""

    __tablename__ = "data_requests"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(200))


class AuditCheckpoint(Base):
    """An Ed25519 signature over the audit chain's head at one moment."""

    __tablename__ = "audit_checkpoints"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Id)
    hash: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str] = mapped_column(String(40))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    count: Mapped[int | None] = mapped_column(Id)
    """Entries in the chain at the checkpoint (signed since format v2; None: older ones)."""

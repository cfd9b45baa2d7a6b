"""The store: SQLAlchemy tables, Alembic migrations, SQLite by default or PostgreSQL."""

from clearance.store._engine import DEFAULT_URL, HEAD_REVISION, Store, database_url, open_store
from clearance.store._tables import (
    Approval,
    AuditEvent,
    Base,
    Check,
    EvalRun,
    GateResult,
    Release,
    RolloutRow,
    SampleResult,
    StageHistory,
    TelemetryEvent,
    Waiver,
)

__all__ = [
    "DEFAULT_URL",
    "HEAD_REVISION",
    "Approval",
    "AuditEvent",
    "Base",
    "Check",
    "EvalRun",
    "GateResult",
    "Release",
    "RolloutRow",
    "SampleResult",
    "StageHistory",
    "Store",
    "TelemetryEvent",
    "Waiver",
    "database_url",
    "open_store",
]

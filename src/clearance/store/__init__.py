"""The store: the only layer that talks to the database (SQLite by default, or
PostgreSQL), through one transaction object whose aggregates return frozen records."""

from clearance.store._audit import AuditLog, AuditRecord, CheckpointRecord
from clearance.store._engine import DEFAULT_URL, HEAD_REVISION, Store, database_url, open_store
from clearance.store._gov_records import (
    ApprovalRecord,
    DataRequestNotFound,
    DataRequestRecord,
    IncidentNotFound,
    IncidentRecord,
    ProviderKeyNotFound,
    ProviderKeyRecord,
    ToolSwitchRecord,
    UserNotFound,
    UserRecord,
    WaiverNotFound,
    WaiverRecord,
    WebSessionRecord,
)
from clearance.store._governance import Governance
from clearance.store._outage import is_outage
from clearance.store._releases import ReleaseListing, ReleaseNotFound, ReleaseRecord
from clearance.store._rollouts import (
    ReleasePage,
    ReleaseRollout,
    RolloutNotFound,
    RolloutRecord,
    RouteRecord,
    StageEntryRecord,
)
from clearance.store._runs import (
    CheckNotFound,
    CheckRecord,
    GateRecord,
    RunNotFound,
    RunRecord,
    RunStats,
    SampleRecord,
)
from clearance.store._scratch import Scratch
from clearance.store._telemetry import ArmSums, Measure, RecentEvents, RowFormat, row_format
from clearance.store._tx import Tx

__all__ = [
    "DEFAULT_URL",
    "HEAD_REVISION",
    "ApprovalRecord",
    "ArmSums",
    "AuditLog",
    "AuditRecord",
    "CheckNotFound",
    "CheckRecord",
    "CheckpointRecord",
    "DataRequestNotFound",
    "DataRequestRecord",
    "GateRecord",
    "Governance",
    "IncidentNotFound",
    "IncidentRecord",
    "Measure",
    "ProviderKeyNotFound",
    "ProviderKeyRecord",
    "RecentEvents",
    "ReleaseListing",
    "ReleaseNotFound",
    "ReleasePage",
    "ReleaseRecord",
    "ReleaseRollout",
    "RolloutNotFound",
    "RolloutRecord",
    "RouteRecord",
    "RowFormat",
    "RunNotFound",
    "RunRecord",
    "RunStats",
    "SampleRecord",
    "Scratch",
    "StageEntryRecord",
    "Store",
    "ToolSwitchRecord",
    "Tx",
    "UserNotFound",
    "UserRecord",
    "WaiverNotFound",
    "WaiverRecord",
    "WebSessionRecord",
    "database_url",
    "is_outage",
    "open_store",
    "row_format",
]

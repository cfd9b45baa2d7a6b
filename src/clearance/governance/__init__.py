"""Governance: owners and roles, approvals, waivers, incidents, registers, who may send
telemetry, and the audit log.

Every action here checks the acting person's duty against the policy's ``owners`` and
writes an audit entry in the same transaction as the action.
"""

from clearance.governance._approvals import (
    ApprovalInfo,
    approvals,
    missing_approvals,
    void_stale_approvals,
    void_stale_approvals_in,
)
from clearance.governance._audit import (
    GENESIS,
    Entry,
    Position,
    Verification,
    append,
    append_in,
    canonical,
    count,
    entries,
    entry_hash,
    head,
    verified_position,
    verify,
)
from clearance.governance._bundle import (
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    export_bundle,
    release_statement,
    write_bundle,
)
from clearance.governance._bundle_verify import BundleVerification, read_bundle, verify_bundle
from clearance.governance._checkpoints import (
    Checkpoint,
    CheckpointVerification,
    checkpoint,
    checkpoints,
    load_checkpoints,
    read_checkpoint,
    verify_with_checkpoints,
    write_checkpoint,
)
from clearance.governance._common import content_hash, parse_when
from clearance.governance._guarded import (
    add_provider_key,
    approve,
    close_data_request,
    close_incident,
    disable_tool,
    enable_tool,
    review_incident,
    rotate_provider_key,
)
from clearance.governance._incidents import (
    SEVERITIES,
    incidents,
    is_confirmed,
    open_incident,
    open_severe_incidents,
    unconfirmed_severe_incidents,
)
from clearance.governance._keys import (
    generate_keypair,
    load_private_key,
    load_public_key,
    public_key_from,
)
from clearance.governance._refusals import record_refusal, recording_refusals
from clearance.governance._registers import (
    add_data_request,
    data_requests,
    key_due,
    overdue_data_requests,
    overdue_key_rotations,
    provider_keys,
)
from clearance.governance._roles import WAIVER_DUTY, roles_of
from clearance.governance._telemetry_auth import (
    SENDERS_FIELD,
    may_send_telemetry,
    require_telemetry_sender,
)
from clearance.governance._tools import disabled_tools, tool_switches
from clearance.governance._users import authenticate, create_user, revoke_user, users
from clearance.governance._waivers import (
    WaiverStatus,
    active_waivers,
    revoke_waiver,
    waive,
    waiver_binding,
    waiver_status,
    waiver_statuses,
    waivers,
)

__all__ = [
    "GENESIS",
    "PREDICATE_TYPE",
    "SENDERS_FIELD",
    "SEVERITIES",
    "STATEMENT_TYPE",
    "WAIVER_DUTY",
    "ApprovalInfo",
    "BundleVerification",
    "Checkpoint",
    "CheckpointVerification",
    "Entry",
    "Position",
    "Verification",
    "WaiverStatus",
    "active_waivers",
    "add_data_request",
    "add_provider_key",
    "append",
    "append_in",
    "approvals",
    "approve",
    "authenticate",
    "canonical",
    "checkpoint",
    "checkpoints",
    "close_data_request",
    "close_incident",
    "content_hash",
    "count",
    "create_user",
    "data_requests",
    "disable_tool",
    "disabled_tools",
    "enable_tool",
    "entries",
    "entry_hash",
    "export_bundle",
    "generate_keypair",
    "head",
    "incidents",
    "is_confirmed",
    "key_due",
    "load_checkpoints",
    "load_private_key",
    "load_public_key",
    "may_send_telemetry",
    "missing_approvals",
    "open_incident",
    "open_severe_incidents",
    "overdue_data_requests",
    "overdue_key_rotations",
    "parse_when",
    "provider_keys",
    "public_key_from",
    "read_bundle",
    "read_checkpoint",
    "record_refusal",
    "recording_refusals",
    "release_statement",
    "require_telemetry_sender",
    "review_incident",
    "revoke_user",
    "revoke_waiver",
    "roles_of",
    "rotate_provider_key",
    "tool_switches",
    "unconfirmed_severe_incidents",
    "users",
    "verified_position",
    "verify",
    "verify_bundle",
    "verify_with_checkpoints",
    "void_stale_approvals",
    "void_stale_approvals_in",
    "waive",
    "waiver_binding",
    "waiver_status",
    "waiver_statuses",
    "waivers",
    "write_bundle",
    "write_checkpoint",
]

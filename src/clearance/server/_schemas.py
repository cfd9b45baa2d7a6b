"""Response and request bodies of the API (they are the OpenAPI schema)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from clearance.checklist import Report
from clearance.common import utc
from clearance.policy import Area, Duty, Severity

Utc = Annotated[datetime, AfterValidator(utc)]
"""A timestamp, always with its UTC offset (RFC 3339)."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Health(BaseModel):
    status: Literal["ok"]
    store: str
    """The store's dialect: sqlite or postgresql."""


class ReleaseSummary(BaseModel):
    name: str
    system: str
    status: str
    """The latest decision (cleared or blocked), or open before any check."""
    created_by: str
    created_at: Utc
    checked_at: Utc | None = None
    candidate_fingerprint: str
    evidence_hash: str | None = None


class CheckOut(BaseModel):
    id: int
    release: str
    decision: str
    evidence_hash: str
    created_at: Utc
    report: Report


class ReleaseDetail(ReleaseSummary):
    latest_check: CheckOut | None = None
    missing_approvals: list[str] = Field(default_factory=list)


class CheckRequest(_Body):
    release: str | None = Field(default=None, max_length=200)
    """Release name (default ``system@version``)."""


class ApprovalOut(BaseModel):
    release: str
    role: str
    approver: str
    content_hash: str
    created_at: Utc
    valid: bool
    voided_at: Utc | None = None


class ApprovalRequest(_Body):
    role: Duty = "approve_changes"
    """The duty in which the caller approves; they must hold it."""


class ApprovalList(BaseModel):
    approvals: list[ApprovalOut]
    missing: list[str]
    """What is still needed before the release has its approvals."""


class WaiverOut(BaseModel):
    id: int
    area: str
    owner: str
    role: str
    reason: str
    expires_at: Utc
    created_at: Utc
    active: bool
    """In force now: ``status`` is ``in_force``."""
    status: Literal["in_force", "expired", "revoked", "other_candidate"] = "in_force"
    """By governance's rule: ``other_candidate`` means it was given for another policy
    or candidate than the one the release was last checked with."""
    revoked_at: Utc | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None


class WaiverRequest(_Body):
    area: Area
    reason: str = Field(min_length=1, max_length=2000)
    expires: str = Field(min_length=1, max_length=40)
    """An ISO date or datetime, or a duration such as ``14d``."""


class WaiverRevocation(_Body):
    reason: str = Field(min_length=1, max_length=2000)
    """Why the waiver no longer holds (recorded in the audit log)."""


class IncidentOut(BaseModel):
    id: int
    release: str
    severity: str
    title: str
    status: str
    opened_by: str
    opened_at: Utc
    reviewed_by: str | None = None
    review_note: str | None = None
    confirmed: bool = False
    """Confirmed by a ``review_incidents`` holder (opened by one, or reviewed with
    ``confirm``). Only a confirmed high or critical incident blocks a rollout; an
    unconfirmed one is reported, awaiting confirmation by review_incidents."""
    confirmed_by: str | None = None
    confirmed_at: Utc | None = None
    closed_by: str | None = None
    closed_at: Utc | None = None
    resolution: str | None = None


class IncidentRequest(_Body):
    release: str = Field(min_length=1, max_length=200)
    severity: Severity
    title: str = Field(min_length=1, max_length=2000)


class IncidentNote(_Body):
    note: str = Field(default="", max_length=2000)


class IncidentReview(_Body):
    note: str = Field(default="", max_length=2000)
    confirm: bool = False
    """Also confirm the incident, so that a severe one blocks rollouts (only holders of
    ``review_incidents`` may; anyone may add a note)."""


class AuditEntryOut(BaseModel):
    seq: int
    ts: str
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class VerificationOut(BaseModel):
    ok: bool
    """The chain holds and, when the server has the audit public key, so does every
    signed checkpoint (signature, hash, and the log still reaching it)."""
    checked: int
    """Entries hashed by this call: every one with ``full=true``, otherwise only those
    after the position last verified (plus one row re-hashed there)."""
    head: str
    """Hash of the last entry that verified."""
    head_seq: int = 0
    """Sequence number of the last entry that verified (the log's length when ok)."""
    full: bool = True
    """Whether the walk started at the first entry."""
    first_bad: int | None = None
    problem: str = ""
    """The first problem found ('' when ok)."""
    problems: list[str] = Field(default_factory=list)
    """Every problem found: the chain's first, then each checkpoint's."""
    signed: bool = False
    """Whether signed checkpoints were checked (the server was given the audit public
    key: ``clearance serve --audit-key PUB`` or ``CLEARANCE_AUDIT_PUBLIC_KEY``)."""
    checkpoints: int | None = None
    """Checkpoints stored in the database (null without the key)."""
    checkpoints_verified: int | None = None
    """Checkpoints whose signature holds and whose entry is still in the chain."""
    signatures_ok: bool | None = None
    """Every checkpoint's signature is the audit key's and holds (null without the key)."""
    covered_seq: int | None = None
    """The furthest entry a verified checkpoint vouches for."""


class Card(BaseModel):
    release: str
    kind: str
    markdown: str
    html: str

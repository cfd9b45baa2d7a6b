"""Governance records as the store hands them back, and their not-found errors.

Times are aware UTC (SQLite hands back naive datetimes that were stored as UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clearance.common import utc
from clearance.errors import NotFoundError
from clearance.store._tables import (
    Approval,
    DataRequest,
    Incident,
    ProviderKey,
    ToolSwitch,
    User,
    Waiver,
    WebSession,
)


class WaiverNotFound(NotFoundError):
    """A release has no waiver of that id."""

    def __init__(self, release: str, waiver_id: int) -> None:
        super().__init__(
            f"release '{release}' has no waiver {waiver_id}",
            fix=f"list them with `GET /v1/releases/{release}/waivers`",
        )


class IncidentNotFound(NotFoundError):
    """No incident of that id."""

    def __init__(self, incident_id: int) -> None:
        super().__init__(f"no incident {incident_id}", fix="see `clearance incident list`")


class UserNotFound(NotFoundError):
    """No user of that name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no user named '{name}'", fix="see `clearance user list`")


class ProviderKeyNotFound(NotFoundError):
    """No provider key of that name in the rotation register."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no provider key '{name}'", fix="register it with `clearance keys add`")


class DataRequestNotFound(NotFoundError):
    """No data request of that id."""

    def __init__(self, request_id: str) -> None:
        super().__init__(
            f"no data request '{request_id}'", fix="see `clearance data-requests list`"
        )


def _maybe(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


@dataclass(frozen=True)
class ApprovalRecord:
    """One approval of a release, bound to the content hash it was given for."""

    id: int
    release_id: int
    role: str
    approver: str
    content_hash: str
    created_at: datetime
    voided_at: datetime | None


def approval_record(row: Approval) -> ApprovalRecord:
    return ApprovalRecord(
        row.id,
        row.release_id,
        row.role,
        row.approver,
        row.content_hash,
        utc(row.created_at),
        _maybe(row.voided_at),
    )


@dataclass(frozen=True)
class WaiverRecord:
    """One waiver of a release's area; ``binding`` is None for waivers from before it."""

    id: int
    release_id: int
    area: str
    owner: str
    role: str
    reason: str
    expires_at: datetime
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    binding: str | None


def waiver_record(row: Waiver) -> WaiverRecord:
    return WaiverRecord(
        id=row.id,
        release_id=row.release_id,
        area=row.area,
        owner=row.owner,
        role=row.role,
        reason=row.reason,
        expires_at=utc(row.expires_at),
        created_at=utc(row.created_at),
        revoked_at=_maybe(row.revoked_at),
        revoked_by=row.revoked_by,
        revoke_reason=row.revoke_reason,
        binding=row.binding,
    )


@dataclass(frozen=True)
class IncidentRecord:
    """An incident about a release: open, reviewing or closed."""

    id: int
    release: str
    severity: str
    title: str
    status: str
    opened_by: str
    opened_at: datetime
    reviewed_by: str | None
    review_note: str | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    resolution: str | None


def incident_record(row: Incident) -> IncidentRecord:
    return IncidentRecord(
        id=row.id,
        release=row.release,
        severity=row.severity,
        title=row.title,
        status=row.status,
        opened_by=row.opened_by,
        opened_at=utc(row.opened_at),
        reviewed_by=row.reviewed_by,
        review_note=row.review_note,
        confirmed_by=row.confirmed_by,
        confirmed_at=_maybe(row.confirmed_at),
        closed_by=row.closed_by,
        closed_at=_maybe(row.closed_at),
        resolution=row.resolution,
    )


@dataclass(frozen=True)
class UserRecord:
    """A registered user (their token's hash stays in the store)."""

    id: int
    name: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


def user_record(row: User) -> UserRecord:
    return UserRecord(row.id, row.name, row.created_by, utc(row.created_at), _maybe(row.revoked_at))


@dataclass(frozen=True)
class WebSessionRecord:
    """A dashboard sign-in, known by the SHA-256 of its secret."""

    id_hash: str
    user: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None


def web_session_record(row: WebSession) -> WebSessionRecord:
    return WebSessionRecord(
        row.id_hash, row.user, utc(row.created_at), utc(row.expires_at), _maybe(row.ended_at)
    )


@dataclass(frozen=True)
class ProviderKeyRecord:
    """A provider key in the rotation register (its label, never the secret)."""

    name: str
    owner: str
    last_rotated: datetime
    max_age_days: int
    rotated_by: str


def provider_key_record(row: ProviderKey) -> ProviderKeyRecord:
    return ProviderKeyRecord(
        row.name, row.owner, utc(row.last_rotated), row.max_age_days, row.rotated_by
    )


@dataclass(frozen=True)
class ToolSwitchRecord:
    """A tool's kill switch as last set."""

    name: str
    disabled: bool
    reason: str
    changed_by: str
    changed_at: datetime


def tool_switch_record(row: ToolSwitch) -> ToolSwitchRecord:
    return ToolSwitchRecord(
        row.name, bool(row.disabled), row.reason or "", row.changed_by, utc(row.changed_at)
    )


@dataclass(frozen=True)
class DataRequestRecord:
    """A user data request with the date it is due."""

    id: str
    kind: str
    received_at: datetime
    due_at: datetime
    recorded_by: str
    closed_at: datetime | None
    closed_by: str | None


def data_request_record(row: DataRequest) -> DataRequestRecord:
    return DataRequestRecord(
        row.id,
        row.kind,
        utc(row.received_at),
        utc(row.due_at),
        row.recorded_by,
        _maybe(row.closed_at),
        row.closed_by,
    )

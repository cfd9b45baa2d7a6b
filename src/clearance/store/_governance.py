"""The store's queries for governance records.

Approvals, waivers, incidents, users, web sessions, provider keys, tool switches and data
requests. Who may do what is decided in :mod:`clearance.governance`; this module only
reads and writes the rows, and hands back frozen records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

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
    approval_record,
    data_request_record,
    incident_record,
    provider_key_record,
    tool_switch_record,
    user_record,
    waiver_record,
    web_session_record,
)
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


class Governance:
    """Queries over governance records, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # approvals

    def approvals(self, release_id: int) -> list[ApprovalRecord]:
        """Approvals of a release in the order given."""
        query = select(Approval).where(Approval.release_id == release_id).order_by(Approval.id)
        return [approval_record(a) for a in self._session.scalars(query)]

    def add_approval(
        self, release_id: int, role: str, approver: str, content_hash: str, at: datetime
    ) -> ApprovalRecord:
        row = Approval(
            release_id=release_id,
            role=role,
            approver=approver,
            content_hash=content_hash,
            created_at=at,
        )
        self._add(row)
        return approval_record(row)

    def void_approvals(self, release_id: int, current: str, at: datetime) -> list[ApprovalRecord]:
        """Stamp ``voided_at`` on the release's unvoided approvals given for another
        content hash than ``current``; the ones voided, in the order given."""
        query = (
            select(Approval)
            .where(
                Approval.release_id == release_id,
                Approval.voided_at.is_(None),
                Approval.content_hash != current,
            )
            .order_by(Approval.id)
        )
        stale = list(self._session.scalars(query))
        for row in stale:
            row.voided_at = at
        return [approval_record(a) for a in stale]

    # waivers

    def waivers(self, release_id: int) -> list[WaiverRecord]:
        """Every waiver of a release, oldest first."""
        query = select(Waiver).where(Waiver.release_id == release_id).order_by(Waiver.id)
        return [waiver_record(w) for w in self._session.scalars(query)]

    def add_waiver(
        self,
        release_id: int,
        *,
        area: str,
        owner: str,
        role: str,
        reason: str,
        expires_at: datetime,
        created_at: datetime,
        binding: str,
    ) -> WaiverRecord:
        row = Waiver(
            release_id=release_id,
            area=area,
            owner=owner,
            role=role,
            reason=reason,
            expires_at=expires_at,
            created_at=created_at,
            binding=binding,
        )
        self._add(row)
        return waiver_record(row)

    def revoke_waiver(
        self, release: str, waiver_id: int, by: str, reason: str, at: datetime
    ) -> WaiverRecord:
        """Stamp a waiver of ``release`` revoked; :class:`WaiverNotFound` if it has none."""
        row = self._session.get(Waiver, waiver_id)
        if row is None:
            raise WaiverNotFound(release, waiver_id)
        row.revoked_at, row.revoked_by, row.revoke_reason = at, by, reason
        return waiver_record(row)

    # incidents

    def incident(self, incident_id: int) -> IncidentRecord:
        """The incident; :class:`IncidentNotFound` if there is none."""
        return incident_record(self._incident(incident_id))

    def incidents(
        self, release: str | None = None, *, open_only: bool = False
    ) -> list[IncidentRecord]:
        """Incidents, oldest first, optionally of one release and only those not closed."""
        query = select(Incident).order_by(Incident.id)
        if release is not None:
            query = query.where(Incident.release == release)
        if open_only:
            query = query.where(Incident.status != "closed")
        return [incident_record(i) for i in self._session.scalars(query)]

    def open_incidents_of(self, releases: Sequence[str]) -> dict[str, list[IncidentRecord]]:
        """The incidents not closed of each of ``releases`` (one query, oldest first);
        a release with none is absent from the answer."""
        found: dict[str, list[IncidentRecord]] = {}
        if not releases:
            return found
        query = (
            select(Incident)
            .where(Incident.release.in_(set(releases)), Incident.status != "closed")
            .order_by(Incident.id)
        )
        for row in self._session.scalars(query):
            found.setdefault(row.release, []).append(incident_record(row))
        return found

    def add_incident(
        self,
        release: str,
        severity: str,
        title: str,
        opened_by: str,
        at: datetime,
        *,
        confirmed: bool,
    ) -> IncidentRecord:
        """Open an incident; ``confirmed`` stamps its opener as the confirmer."""
        row = Incident(
            release=release,
            severity=severity,
            title=title,
            status="open",
            opened_by=opened_by,
            opened_at=at,
        )
        if confirmed:
            row.confirmed_by, row.confirmed_at = opened_by, at
        self._add(row)
        return incident_record(row)

    def review_incident(
        self, incident_id: int, by: str, note: str, *, confirm_at: datetime | None
    ) -> IncidentRecord:
        """Mark the incident under review; with ``confirm_at``, confirm it if not yet."""
        row = self._incident(incident_id)
        row.status, row.reviewed_by, row.review_note = "reviewing", by, note
        if confirm_at is not None and row.confirmed_by is None:
            row.confirmed_by, row.confirmed_at = by, confirm_at
        return incident_record(row)

    def close_incident(
        self, incident_id: int, by: str, resolution: str, at: datetime
    ) -> IncidentRecord:
        row = self._incident(incident_id)
        row.status, row.closed_by, row.closed_at = "closed", by, at
        row.resolution = resolution
        return incident_record(row)

    # users

    def find_user(self, name: str) -> UserRecord | None:
        row = self._user(name)
        return None if row is None else user_record(row)

    def user_by_token(self, token_hash: str) -> UserRecord | None:
        query = select(User).where(User.token_hash == token_hash)
        row = self._session.scalars(query).first()
        return None if row is None else user_record(row)

    def users(self) -> list[UserRecord]:
        """Every registered user, by name."""
        return [user_record(u) for u in self._session.scalars(select(User).order_by(User.name))]

    def set_token(self, name: str, token_hash: str, *, by: str, at: datetime) -> UserRecord:
        """Give ``name`` a new token (registering them when new) and lift any revocation."""
        row = self._user(name)
        if row is None:
            row = User(name=name, created_by=by, created_at=at, token_hash="")
            self._session.add(row)
        row.token_hash, row.revoked_at = token_hash, None
        self._session.flush()
        return user_record(row)

    def revoke_user(self, name: str, at: datetime) -> UserRecord:
        """Stamp ``name``'s token revoked; :class:`UserNotFound` if there is no such user."""
        row = self._user(name)
        if row is None:
            raise UserNotFound(name)
        row.revoked_at = at
        return user_record(row)

    # web sessions

    def web_session(self, id_hash: str) -> WebSessionRecord | None:
        row = self._session.get(WebSession, id_hash)
        return None if row is None else web_session_record(row)

    def add_web_session(
        self, id_hash: str, user: str, created_at: datetime, expires_at: datetime
    ) -> WebSessionRecord:
        row = WebSession(
            id_hash=id_hash, user=user, created_at=created_at, expires_at=expires_at, ended_at=None
        )
        self._add(row)
        return web_session_record(row)

    def end_web_session(self, id_hash: str, at: datetime) -> WebSessionRecord | None:
        """End a live session; None if it is unknown or already ended."""
        row = self._session.get(WebSession, id_hash)
        if row is None or row.ended_at is not None:
            return None
        row.ended_at = at
        return web_session_record(row)

    def end_web_sessions_of(self, user: str, at: datetime) -> int:
        """End every live session of ``user``; how many were ended."""
        result = self._session.execute(
            update(WebSession)
            .where(WebSession.user == user, WebSession.ended_at.is_(None))
            .values(ended_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # provider keys

    def find_provider_key(self, name: str) -> ProviderKeyRecord | None:
        row = self._session.get(ProviderKey, name)
        return None if row is None else provider_key_record(row)

    def provider_keys(self) -> list[ProviderKeyRecord]:
        query = select(ProviderKey).order_by(ProviderKey.name)
        return [provider_key_record(k) for k in self._session.scalars(query)]

    def add_provider_key(
        self, name: str, owner: str, last_rotated: datetime, max_age_days: int, by: str
    ) -> ProviderKeyRecord:
        row = ProviderKey(
            name=name,
            owner=owner,
            last_rotated=last_rotated,
            max_age_days=max_age_days,
            rotated_by=by,
        )
        self._add(row)
        return provider_key_record(row)

    def rotate_provider_key(self, name: str, at: datetime, by: str) -> ProviderKeyRecord:
        """Record a rotation; :class:`ProviderKeyNotFound` if the key is not registered."""
        row = self._session.get(ProviderKey, name)
        if row is None:
            raise ProviderKeyNotFound(name)
        row.last_rotated, row.rotated_by = at, by
        return provider_key_record(row)

    # tool switches

    def find_tool_switch(self, name: str) -> ToolSwitchRecord | None:
        row = self._session.get(ToolSwitch, name)
        return None if row is None else tool_switch_record(row)

    def tool_switches(self) -> list[ToolSwitchRecord]:
        """Every tool that has ever been switched, by name."""
        query = select(ToolSwitch).order_by(ToolSwitch.name)
        return [tool_switch_record(t) for t in self._session.scalars(query)]

    def disabled_tools(self) -> set[str]:
        return set(self._session.scalars(select(ToolSwitch.name).where(ToolSwitch.disabled)))

    def set_tool_switch(
        self, name: str, *, disabled: bool, reason: str, by: str, at: datetime
    ) -> ToolSwitchRecord:
        row = self._session.get(ToolSwitch, name)
        if row is None:
            row = ToolSwitch(name=name, changed_by=by, changed_at=at)
            self._session.add(row)
        row.disabled, row.reason = disabled, reason
        row.changed_by, row.changed_at = by, at
        self._session.flush()
        return tool_switch_record(row)

    # data requests

    def find_data_request(self, request_id: str) -> DataRequestRecord | None:
        row = self._session.get(DataRequest, request_id)
        return None if row is None else data_request_record(row)

    def data_requests(self, *, open_only: bool = False) -> list[DataRequestRecord]:
        """Data requests by due date."""
        query = select(DataRequest).order_by(DataRequest.due_at, DataRequest.id)
        if open_only:
            query = query.where(DataRequest.closed_at.is_(None))
        return [data_request_record(r) for r in self._session.scalars(query)]

    def add_data_request(
        self, request_id: str, kind: str, received_at: datetime, due_at: datetime, by: str
    ) -> DataRequestRecord:
        row = DataRequest(
            id=request_id, kind=kind, received_at=received_at, due_at=due_at, recorded_by=by
        )
        self._add(row)
        return data_request_record(row)

    def close_data_request(self, request_id: str, by: str, at: datetime) -> DataRequestRecord:
        """Stamp a request closed; :class:`DataRequestNotFound` if there is none."""
        row = self._session.get(DataRequest, request_id)
        if row is None:
            raise DataRequestNotFound(request_id)
        row.closed_at, row.closed_by = at, by
        return data_request_record(row)

    # helpers

    def _add(self, row: object) -> None:
        self._session.add(row)
        self._session.flush()

    def _incident(self, incident_id: int) -> Incident:
        row = self._session.get(Incident, incident_id)
        if row is None:
            raise IncidentNotFound(incident_id)
        return row

    def _user(self, name: str) -> User | None:
        return self._session.scalars(select(User).where(User.name == name)).first()

"""The store's queries for releases: the aggregate every other record hangs off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearance.common import utc
from clearance.errors import NotFoundError
from clearance.store._tables import Check, Release


class ReleaseNotFound(NotFoundError):
    """No release of that name (or id) is in the store."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"no release named '{name}'",
            fix="run `clearance check` first; it records the release as system@version",
        )


@dataclass(frozen=True)
class ReleaseRecord:
    """A release as stored: what was checked, against what, and where it stands."""

    id: int
    name: str
    system: str
    candidate_fingerprint: str
    baseline_fingerprint: str | None
    policy_hash: str
    evidence_hash: str | None
    status: str
    created_by: str
    evidence_changed_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReleaseListing:
    """A release and when it was last checked (None: never)."""

    release: ReleaseRecord
    checked_at: datetime | None


def release_record(row: Release) -> ReleaseRecord:
    return ReleaseRecord(
        id=row.id,
        name=row.name,
        system=row.system,
        candidate_fingerprint=row.candidate_fingerprint,
        baseline_fingerprint=row.baseline_fingerprint,
        policy_hash=row.policy_hash,
        evidence_hash=row.evidence_hash,
        status=row.status,
        created_by=row.created_by,
        evidence_changed_by=row.evidence_changed_by,
        created_at=utc(row.created_at),
    )


class Releases:
    """Queries over releases, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, name: str) -> ReleaseRecord | None:
        """The release named ``name``, or None."""
        row = self._row(name)
        return None if row is None else release_record(row)

    def get(self, name: str) -> ReleaseRecord:
        """The release named ``name``; :class:`ReleaseNotFound` if there is none."""
        row = self._row(name)
        if row is None:
            raise ReleaseNotFound(name)
        return release_record(row)

    def by_id(self, release_id: int) -> ReleaseRecord:
        row = self._session.get(Release, release_id)
        if row is None:
            raise ReleaseNotFound(f"#{release_id}")
        return release_record(row)

    def set_status(self, name: str, status: str) -> ReleaseRecord:
        """Set the release's status (``open``, ``cleared``, ``blocked``, ...)."""
        row = self._row(name)
        if row is None:
            raise ReleaseNotFound(name)
        row.status = status
        return release_record(row)

    def _row(self, name: str) -> Release | None:
        return self._session.scalars(select(Release).where(Release.name == name)).first()

    def record_check(
        self,
        name: str,
        *,
        system: str,
        actor: str,
        candidate_fingerprint: str,
        baseline_fingerprint: str | None,
        policy_hash: str,
        evidence_hash: str,
        decision: str,
        now: datetime,
    ) -> ReleaseRecord:
        """Create the release (by ``actor``, at ``now``) or update it with what a check
        decided: fingerprints, hashes and status; ``evidence_changed_by`` is ``actor``
        when the evidence hash changed."""
        row = self._row(name)
        if row is None:
            row = Release(
                name=name,
                system=system,
                created_by=actor,
                created_at=now,
                candidate_fingerprint="",
                policy_hash="",
            )
            self._session.add(row)
        if row.evidence_hash != evidence_hash:
            row.evidence_changed_by = actor
        row.candidate_fingerprint = candidate_fingerprint
        row.baseline_fingerprint = baseline_fingerprint
        row.policy_hash = policy_hash
        row.evidence_hash = evidence_hash
        row.status = decision
        self._session.flush()
        return release_record(row)

    def listing(self, limit: int, offset: int = 0) -> list[ReleaseListing]:
        """Releases, newest first, each with when it was last checked."""
        last = (
            select(Check.release_id, func.max(Check.created_at).label("at"))
            .group_by(Check.release_id)
            .subquery()
        )
        query = (
            select(Release, last.c.at)
            .outerjoin(last, last.c.release_id == Release.id)
            .order_by(Release.created_at.desc(), Release.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [
            ReleaseListing(release_record(row), _moment(at))
            for row, at in self._session.execute(query)
        ]


def _moment(value: datetime | str | None) -> datetime | None:
    """An aggregate's time (a string when the driver does not type it), aware UTC."""
    if value is None:
        return None
    return utc(datetime.fromisoformat(value) if isinstance(value, str) else value)

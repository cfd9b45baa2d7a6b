"""The store's queries for releases: the aggregate every other record hangs off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.common import utc
from clearance.errors import NotFoundError
from clearance.store._tables import Release


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

"""Read models over the store: releases with their latest check, as API bodies."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from clearance.checklist import Report
from clearance.server._schemas import CheckOut, ReleaseSummary
from clearance.server._state import ServerState
from clearance.store import CheckRecord, ReleaseRecord


def list_releases(state: ServerState, limit: int, offset: int) -> list[ReleaseSummary]:
    """Releases, newest first, with when each was last checked."""
    with state.store.transaction() as tx:
        listing = tx.releases.listing(limit, offset)
    return [summary(item.release, item.checked_at) for item in listing]


def release_row(state: ServerState, name: str) -> ReleaseRecord:
    """The release named ``name``; ``ReleaseNotFound`` (404) if there is none."""
    with state.store.transaction() as tx:
        return tx.releases.get(name)


def latest_check(state: ServerState, release: ReleaseRecord) -> CheckOut | None:
    """The release's most recent check with its report (secrets redacted), or None."""
    with state.store.transaction() as tx:
        found = tx.runs.latest_check(release.name)
    return None if found is None else check_out(state, found)


def check_by_id(state: ServerState, check_id: int) -> CheckOut:
    """A recorded check; ``CheckNotFound`` (404) if there is none."""
    with state.store.transaction() as tx:
        found = tx.runs.check(check_id)
    return check_out(state, found)


def check_out(state: ServerState, check: CheckRecord) -> CheckOut:
    report = Report.model_validate(redacted(state, check.report))
    return CheckOut(
        id=check.id,
        release=check.release,
        decision=check.decision,
        evidence_hash=check.evidence_hash,
        created_at=check.created_at,
        report=report,
    )


def redacted(state: ServerState, value: dict[str, Any]) -> dict[str, Any]:
    """A JSON value with every policy secret masked wherever it appears."""
    text = json.dumps(value, ensure_ascii=False)
    clean = state.redact(text)
    if clean == text:
        return value
    result: dict[str, Any] = json.loads(clean)
    return result


def summary(row: ReleaseRecord, checked_at: datetime | None = None) -> ReleaseSummary:
    return ReleaseSummary(
        name=row.name,
        system=row.system,
        status=row.status,
        created_by=row.created_by,
        created_at=row.created_at,
        checked_at=checked_at,
        candidate_fingerprint=row.candidate_fingerprint,
        evidence_hash=row.evidence_hash,
    )

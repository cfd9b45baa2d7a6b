"""Read models over the store: releases with their latest check, as API bodies."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from clearance.checklist import Report
from clearance.errors import NotFoundError
from clearance.server._schemas import CheckOut, ReleaseSummary
from clearance.server._state import ServerState
from clearance.store import Check, Release


def list_releases(state: ServerState, limit: int, offset: int) -> list[ReleaseSummary]:
    """Releases, newest first, with when each was last checked."""
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
    with state.store.session() as session:
        return [_summary(row, at) for row, at in session.execute(query)]


def release_row(state: ServerState, name: str) -> Release:
    with state.store.session() as session:
        row = session.scalars(select(Release).where(Release.name == name)).first()
    if row is None:
        raise NotFoundError(f"no release named '{name}'", fix="GET /v1/releases lists them")
    return row


def latest_check(state: ServerState, release: Release) -> CheckOut | None:
    """The release's most recent check with its report (secrets redacted), or None."""
    query = (
        select(Check)
        .where(Check.release_id == release.id)
        .order_by(Check.created_at.desc(), Check.id.desc())
        .limit(1)
    )
    with state.store.session() as session:
        row = session.scalars(query).first()
    return None if row is None else check_out(state, release.name, row)


def check_by_id(state: ServerState, check_id: int) -> CheckOut:
    with state.store.session() as session:
        row = session.get(Check, check_id)
        release = session.get(Release, row.release_id) if row is not None else None
    if row is None or release is None:
        raise NotFoundError(f"no check {check_id}", fix="GET /v1/releases/{name} names them")
    return check_out(state, release.name, row)


def check_out(state: ServerState, release: str, row: Check) -> CheckOut:
    report = Report.model_validate(redacted(state, row.report))
    return CheckOut(
        id=row.id,
        release=release,
        decision=row.decision,
        evidence_hash=row.evidence_hash,
        created_at=row.created_at,
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


def _summary(row: Release, checked_at: Any) -> ReleaseSummary:
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


def summary(row: Release, checked_at: Any = None) -> ReleaseSummary:
    return _summary(row, checked_at)

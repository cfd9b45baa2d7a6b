"""Instants: every time the rollout stores or compares is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.common import utc as _aware


def instant(moment: datetime | float | None = None) -> datetime:
    """``moment`` (a datetime, epoch seconds, or None for now) as an aware UTC datetime
    (naive datetimes, as SQLite hands them back, are read as UTC)."""
    if moment is None:
        return datetime.now(UTC)
    if isinstance(moment, int | float):
        return datetime.fromtimestamp(moment, UTC)
    return _aware(moment)

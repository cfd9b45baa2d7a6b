"""Instants: every time the rollout stores or compares is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(moment: datetime | float | None = None) -> datetime:
    """``moment`` (a datetime, epoch seconds, or None for now) as an aware UTC datetime.

    SQLite hands back naive datetimes holding UTC wall time (what was stored); they are
    read as UTC.
    """
    if moment is None:
        return datetime.now(UTC)
    if isinstance(moment, int | float):
        return datetime.fromtimestamp(moment, UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

"""Batch insert of telemetry rows, skipping event ids already stored (the store does it:
see :meth:`clearance.store._telemetry.Telemetry.insert_new`)."""

from __future__ import annotations

from typing import Any

from clearance.policy import TELEMETRY_METRICS
from clearance.store import RowFormat, Store
from clearance.store import row_format as _row_format

COLUMNS = ("event_id", "release", "arm", "unit", "ts", *TELEMETRY_METRICS, "attributes")
"""The order of a :data:`Row`'s values: every ``telemetry_events`` column but ``id``."""
Row = tuple[Any, ...]


def row_format(store: Store) -> RowFormat:
    """How rows for ``store`` carry times and attributes."""
    return _row_format(store.dialect)


def insert_rows(store: Store, rows: list[Row]) -> int:
    """Insert ``rows`` (made with :func:`row_format` of ``store``) in one transaction;
    returns how many were new (the rest had an ``event_id`` already in the store)."""
    with store.transaction() as tx:
        return tx.telemetry.insert_new(COLUMNS, rows)

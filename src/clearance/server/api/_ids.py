"""Row ids in request paths: positive and within a 64-bit signed integer, the range every
store (SQLite, PostgreSQL ``BIGINT``) holds. Anything else is a 422 from validation, not
an overflow inside the database driver (a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ROW_ID = 2**63 - 1

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
"""A path parameter naming a row (a check, a waiver, an incident) by its id."""

"""The store's queries for telemetry events."""

from __future__ import annotations

from sqlalchemy.orm import Session


class Telemetry:
    """Queries over telemetry events, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

"""The store's queries for the hash-chained audit log and its checkpoints."""

from __future__ import annotations

from sqlalchemy.orm import Session


class AuditLog:
    """Queries over the hash-chained audit log and its checkpoints, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

"""The store's queries for eval runs, their samples, checks and gate results."""

from __future__ import annotations

from sqlalchemy.orm import Session


class Runs:
    """Queries over eval runs, their samples, checks and gate results, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

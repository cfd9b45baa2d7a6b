"""The store's queries for rollouts and their stage history."""

from __future__ import annotations

from sqlalchemy.orm import Session


class Rollouts:
    """Queries over rollouts and their stage history, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

"""The store's queries for governance records.

Approvals, waivers, incidents, users, web sessions, provider keys, tool switches and data
requests.
"""

from __future__ import annotations

from sqlalchemy.orm import Session


class Governance:
    """Queries over governance records, inside one transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

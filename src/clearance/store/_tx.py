"""One transaction over the store, with each aggregate's queries hanging off it.

Code outside :mod:`clearance.store` never sees a SQLAlchemy session or an ORM row: it
opens ``with store.transaction() as tx:`` and calls ``tx.releases``, ``tx.runs``,
``tx.governance``, ``tx.audit``, ``tx.rollouts`` or ``tx.telemetry``, which return
frozen records.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from clearance.store._audit import AuditLog
    from clearance.store._governance import Governance
    from clearance.store._releases import Releases
    from clearance.store._rollouts import Rollouts
    from clearance.store._runs import Runs
    from clearance.store._telemetry import Telemetry


class Tx:
    """One open transaction (committed when its ``with`` block ends without error)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @cached_property
    def releases(self) -> Releases:
        from clearance.store._releases import Releases

        return Releases(self._session)

    @cached_property
    def runs(self) -> Runs:
        from clearance.store._runs import Runs

        return Runs(self._session)

    @cached_property
    def governance(self) -> Governance:
        from clearance.store._governance import Governance

        return Governance(self._session)

    @cached_property
    def audit(self) -> AuditLog:
        from clearance.store._audit import AuditLog

        return AuditLog(self._session)

    @cached_property
    def rollouts(self) -> Rollouts:
        from clearance.store._rollouts import Rollouts

        return Rollouts(self._session)

    @cached_property
    def telemetry(self) -> Telemetry:
        from clearance.store._telemetry import Telemetry

        return Telemetry(self._session)

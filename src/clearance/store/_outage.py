"""Whether an error means the store is (for now) unreachable."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from clearance.errors import StoreError


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the store is (for now) unreachable, not that a request is
    wrong: a lost or refused connection, a locked or unopenable database, a pool timeout."""
    if isinstance(exc, StoreError | OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated

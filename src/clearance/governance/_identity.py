"""How the acting person was identified, stamped on every audit entry.

The server knows who is calling (an API token or a dashboard session checked in the
store): its entries are ``authenticated``. The CLI on a local store only has the name
given with ``--as`` or ``CLEARANCE_USER``, which anybody at that shell can type: its
entries say so (``"authenticated": false``), and ``audit log`` and release bundles show
it. Library code outside both shells writes ``via: library``, unauthenticated.
Each shell declares its channel once, with :func:`acting_through`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Literal

Via = Literal["library", "cli", "server"]
IDENTITY_KEY = "identity"
"""The audit payload key holding :class:`Channel` (covered by the entry's hash)."""


@dataclass(frozen=True)
class Channel:
    via: Via
    authenticated: bool

    def as_payload(self) -> dict[str, object]:
        return asdict(self)


LIBRARY = Channel("library", authenticated=False)
_CURRENT: ContextVar[Channel | None] = ContextVar("clearance_channel", default=None)


@contextmanager
def acting_through(via: Via, *, authenticated: bool) -> Iterator[Channel]:
    """Everything recorded inside the block says it came through ``via``."""
    channel = Channel(via, authenticated)
    token = _CURRENT.set(channel)
    try:
        yield channel
    finally:
        _CURRENT.reset(token)


def current_channel() -> Channel:
    return _CURRENT.get() or LIBRARY

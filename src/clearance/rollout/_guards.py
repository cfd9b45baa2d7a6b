"""What the controller asks governance before a release may enter a stage.

The controller depends only on the :class:`Guards` protocol, so governance (approvals,
incidents, the tool kill switch) plugs in without the rollout importing it.
:class:`StoreGuards` answers the checklist question from the store and leaves the rest
to a subclass; :class:`PermissiveGuards` is that subclass for tests and demos only: it
requires no approvals and sees no incidents.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol, runtime_checkable

from clearance.store import Store


@runtime_checkable
class Guards(Protocol):
    """Governance answers the controller needs. Every method is about one release."""

    def missing_approvals(self, release: str, duties: list[str]) -> list[str]:
        """The duties among ``duties`` whose owner has not approved ``release``."""
        ...

    def severe_incidents(self, release: str) -> list[str]:
        """Open severe incidents about ``release`` (one line each); any blocks a stage."""
        ...

    def disabled_tools(self) -> set[str]:
        """Tools the kill switch has turned off."""
        ...

    def disable_tool(self, name: str, actor: str) -> None:
        """Turn a tool off (a trigger with action ``disable_tool`` fired)."""
        ...

    def checklist_blocked(self, release: str) -> str | None:
        """Why the release checklist blocks ``release``, or None when it is cleared."""
        ...


class StoreGuards(ABC):
    """Base for real guards: the checklist answer comes from the store (the last
    ``clearance check`` decision, ``Release.status``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def checklist_blocked(self, release: str) -> str | None:
        with self.store.transaction() as tx:
            found = tx.releases.find(release)
        status = None if found is None else found.status
        if status is None:
            return f"release '{release}' has no checklist decision: run clearance check"
        if status == "cleared":
            return None
        return f"release checklist is '{status}': run clearance check until it is cleared"

    @abstractmethod
    def missing_approvals(self, release: str, duties: list[str]) -> list[str]: ...

    @abstractmethod
    def severe_incidents(self, release: str) -> list[str]: ...

    @abstractmethod
    def disabled_tools(self) -> set[str]: ...

    @abstractmethod
    def disable_tool(self, name: str, actor: str) -> None: ...


class PermissiveGuards(StoreGuards):
    """For tests and demos only: the checklist from the store, no approvals required,
    no incidents, and a kill switch that lives in this object's memory."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._disabled: set[str] = set()

    def missing_approvals(self, release: str, duties: list[str]) -> list[str]:
        return []

    def severe_incidents(self, release: str) -> list[str]:
        return []

    def disabled_tools(self) -> set[str]:
        return set(self._disabled)

    def disable_tool(self, name: str, actor: str) -> None:
        self._disabled.add(name)

"""The kill switch: a tool disabled here is off for every reader from the next call on.

``disabled_tools`` opens a fresh transaction each call, so a router or telemetry layer that
asks per request sees a switch flipped by another process immediately, with no cache.
"""

from __future__ import annotations

from datetime import UTC, datetime

from clearance.errors import PermissionDenied, UsageError
from clearance.governance._audit import append_in
from clearance.governance._rules import authorize
from clearance.policy import Policy
from clearance.store import Store, ToolSwitchRecord


def disable_tool(
    store: Store,
    policy: Policy,
    name: str,
    actor: str,
    *,
    reason: str = "",
    trigger: str | None = None,
) -> None:
    """Turn tool ``name`` off. ``actor`` must hold ``disable_tools``, unless ``trigger``
    names a policy trigger whose action is ``disable_tool`` for this very tool (the
    policy's owners authorised it before launch; the rollout controller passes it)."""
    _known_tool(policy, name)
    if trigger is None:
        authorize(policy, actor, "tool.disable", subject=f"tool {name}")
    else:
        _trigger_allows(policy, name, trigger)
    _switch(store, name, actor, disabled=True, reason=reason, trigger=trigger)


def enable_tool(store: Store, policy: Policy, name: str, actor: str, *, reason: str = "") -> None:
    """Turn tool ``name`` back on; only ``disable_tools`` owners may."""
    _known_tool(policy, name)
    authorize(policy, actor, "tool.enable", subject=f"tool {name}")
    _switch(store, name, actor, disabled=False, reason=reason, trigger=None)


def disabled_tools(store: Store) -> set[str]:
    """Names of the tools switched off right now (read fresh on every call)."""
    with store.transaction() as tx:
        return tx.governance.disabled_tools()


def tool_switches(store: Store) -> list[ToolSwitchRecord]:
    """Every tool that has ever been switched, by name."""
    with store.transaction() as tx:
        return tx.governance.tool_switches()


def _switch(
    store: Store, name: str, actor: str, *, disabled: bool, reason: str, trigger: str | None
) -> None:
    with store.transaction(exclusive=True) as tx:
        row = tx.governance.find_tool_switch(name)
        if row is not None and row.disabled == disabled and trigger is not None:
            return  # a second controller acting on the same firing: already switched
        now = datetime.now(UTC)
        tx.governance.set_tool_switch(name, disabled=disabled, reason=reason, by=actor, at=now)
        action = "tool.disabled" if disabled else "tool.enabled"
        payload = {"reason": reason, **({"trigger": trigger} if trigger else {})}
        append_in(tx, actor, action, f"tool:{name}", payload)


def _known_tool(policy: Policy, name: str) -> None:
    """When the card lists the system's tools, a switch must name one of them, so a typo
    cannot leave the real tool running while the log says it was disabled."""
    known = [tool.name for tool in policy.card.tools]
    if known and name not in known:
        raise UsageError(
            f"unknown tool '{name}'", fix=f"use one of the card's tools: {', '.join(known)}"
        )
    if not name.strip():
        raise UsageError("a tool name must not be blank", fix="give the tool's name")


def _trigger_allows(policy: Policy, name: str, trigger: str) -> None:
    for declared in policy.triggers:
        allowed = declared.action == "disable_tool" and declared.tool == name
        if declared.label == trigger and allowed:
            return
    raise PermissionDenied(
        f"trigger '{trigger}' does not authorise disabling tool '{name}'",
        fix="declare a trigger with action: disable_tool and tool: NAME in the policy",
    )

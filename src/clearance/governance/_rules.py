"""The rulebook: who may do what. One table, read by the CLI, the API and the dashboard.

Every governed action has one entry naming the duties that may perform it. A few take
their duty from the request: ``approve`` needs the duty being approved as, and
``waive``/``waiver.revoke`` the duty that owns the waived area (:data:`WAIVER_DUTY`).
``ingest`` is for the policy's ``rollout.telemetry_senders`` (see ``_telemetry_auth``).
An entry with no duties is open to any identified person (anyone may report an
incident or add a triage note).

:func:`authorize` raises :class:`PermissionDenied` with the same words wherever it is
called from; :func:`may` answers the same question for showing or hiding a button.
"""

from __future__ import annotations

from typing import Literal, get_args

from clearance.errors import PermissionDenied, UsageError
from clearance.governance._refusals import record_refusal
from clearance.governance._roles import WAIVER_DUTY, as_area, as_duty
from clearance.governance._telemetry_auth import may_send_telemetry, require_telemetry_sender
from clearance.policy import Duty, Policy
from clearance.store import Store

Action = Literal[
    "approve",
    "waive",
    "waiver.revoke",
    "rollout.start",
    "rollout.advance",
    "rollout.resume",
    "rollout.pause",
    "rollout.rollback",
    "rollout.tick",
    "tool.disable",
    "tool.enable",
    "incident.open",
    "incident.review",
    "incident.confirm",
    "incident.close",
    "user.add",
    "user.revoke",
    "ingest",
    "provider_key.register",
    "provider_key.rotate",
    "data_request.close",
    "check.run",
]
ACTIONS: tuple[Action, ...] = get_args(Action)

STEER: tuple[Duty, ...] = ("approve_changes",)
"""Who may move a rollout forward: start, advance, resume."""
STOP: tuple[Duty, ...] = ("approve_changes", "review_incidents", "disable_tools")
"""Who may hold or take back a rollout: approvers and incident responders."""
ANYONE: tuple[Duty, ...] = ()

RULES: dict[Action, tuple[Duty, ...]] = {
    "rollout.start": STEER,
    "rollout.advance": STEER,
    "rollout.resume": STEER,
    "rollout.pause": STOP,
    "rollout.rollback": STOP,
    "rollout.tick": STOP,
    "tool.disable": ("disable_tools",),
    "tool.enable": ("disable_tools",),
    "incident.open": ANYONE,
    "incident.review": ANYONE,
    "incident.confirm": ("review_incidents",),
    "incident.close": ("review_incidents",),
    "user.add": ("manage_users",),
    "user.revoke": ("manage_users",),
    "provider_key.register": ("rotate_provider_keys",),
    "provider_key.rotate": ("rotate_provider_keys",),
    "data_request.close": ("handle_data_requests",),
    "check.run": ("own_evals",),
}
"""Actions whose duties do not depend on the request (see :func:`duties_for`)."""


def duties_for(
    action: Action, *, duty: str | None = None, area: str | None = None
) -> tuple[Duty, ...]:
    """The duties that may perform ``action`` (empty: anyone identified)."""
    if action == "approve":
        return (as_duty(duty or "approve_changes"),)
    if action in ("waive", "waiver.revoke"):
        if area is None:
            raise UsageError(f"'{action}' needs the area", fix="name the checklist area")
        return (WAIVER_DUTY[as_area(area)],)
    if action == "ingest":
        return ()
    return RULES[action]


def may(
    policy: Policy, person: str, action: Action, *, duty: str | None = None, area: str | None = None
) -> bool:
    """Whether ``person`` may perform ``action`` under ``policy``."""
    if action == "ingest":
        return may_send_telemetry(policy, person)
    needed = duties_for(action, duty=duty, area=area)
    return not needed or any(person in policy.owners.holders(d) for d in needed)


def authorize(
    policy: Policy,
    person: str,
    action: Action,
    *,
    duty: str | None = None,
    area: str | None = None,
    subject: str = "",
) -> None:
    """Raise :class:`PermissionDenied` unless ``person`` may perform ``action``."""
    if may(policy, person, action, duty=duty, area=area):
        return
    if action == "ingest":
        require_telemetry_sender(policy, person)
    target = f" ({subject})" if subject else ""
    needed = duties_for(action, duty=duty, area=area)
    holders = sorted({p for d in needed for p in policy.owners.holders(d)})
    raise PermissionDenied(
        f"{person} may not {_VERBS.get(action, action)}{target}: only holders of "
        f"{' or '.join(needed)} may ({', '.join(holders) or 'nobody holds it'})",
        fix=f"ask one of them, or add {person} under owners.{needed[0]} in the policy",
    )


def authorize_recorded(
    store: Store,
    policy: Policy,
    person: str,
    action: Action,
    *,
    duty: str | None = None,
    area: str | None = None,
    subject: str = "",
) -> None:
    """:func:`authorize`, with a refusal recorded as ``denied.<action>`` before it is
    raised (for callers that do not go through a refusal-recording governance action)."""
    try:
        authorize(policy, person, action, duty=duty, area=area, subject=subject)
    except PermissionDenied as exc:
        record_refusal(store, person, action, subject, exc.message)
        raise


_VERBS: dict[str, str] = {
    "waiver.revoke": "revoke a waiver",
    "rollout.start": "start the rollout",
    "rollout.advance": "advance the rollout",
    "rollout.resume": "resume the rollout",
    "rollout.pause": "pause the rollout",
    "rollout.rollback": "roll back the rollout",
    "rollout.tick": "run the rollout controller",
    "tool.disable": "disable a tool",
    "tool.enable": "enable a tool",
    "incident.confirm": "confirm an incident",
    "incident.close": "close an incident",
    "user.add": "add users",
    "user.revoke": "revoke users",
    "provider_key.register": "register a provider key",
    "provider_key.rotate": "rotate a provider key",
    "data_request.close": "close a data request",
    "check.run": "run a check",
}
"""How a refusal names each action (``approve`` and ``waive`` are verbs already)."""

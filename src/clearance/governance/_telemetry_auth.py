"""Who may send telemetry: the policy's ``rollout.telemetry_senders``, and nobody else.

Telemetry decides rollbacks (a flood of made-up control events can hide a regression),
so sending it is a permission of its own. It is not implied by any owner duty: an
approver who is not listed is refused like anyone else. Local ``clearance ingest`` writes
to the store directly; whoever can do that is already trusted with the store.
"""

from __future__ import annotations

from clearance.errors import PermissionDenied
from clearance.policy import Policy

SENDERS_FIELD = "rollout.telemetry_senders"
"""The policy key that names the senders (quoted in refusals)."""


def may_send_telemetry(policy: Policy | None, name: str) -> bool:
    """Whether ``name`` is listed under ``rollout.telemetry_senders`` (False without a policy)."""
    return policy is not None and name in policy.rollout.telemetry_senders


def require_telemetry_sender(policy: Policy | None, name: str) -> None:
    """Raise :class:`PermissionDenied` unless ``name`` may send telemetry."""
    if may_send_telemetry(policy, name):
        return
    if policy is None:
        raise PermissionDenied(
            f"{name} may not send telemetry: this server has no policy, so nobody may",
            fix=f"start the server with --policy and list the sender under {SENDERS_FIELD}",
        )
    listed = ", ".join(policy.rollout.telemetry_senders) or "nobody"
    raise PermissionDenied(
        f"{name} may not send telemetry: only the users under {SENDERS_FIELD} may ({listed})",
        fix=f"send with a listed account's token, or add {name} under {SENDERS_FIELD} "
        "in the policy",
    )

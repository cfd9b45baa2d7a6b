"""What a server process holds: the store, the policy. Nothing else; every fact about
releases, users and rollouts lives in the store, so several worker processes agree."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Request

from clearance.errors import UsageError
from clearance.policy import DUTIES, Duty, Policy
from clearance.store import Store


@dataclass(frozen=True)
class ServerState:
    """The store and the policy whose owners give the users their roles; with
    ``audit_key`` (the audit checkpoints' public key) verification of the audit log
    also checks the signed checkpoints."""

    store: Store
    policy: Policy | None
    audit_key: Ed25519PublicKey | None = None

    def redact(self, text: str) -> str:
        """``text`` with the policy's interpolated secret values masked."""
        source = self.policy.source if self.policy is not None else None
        return source.redact(text) if source is not None else text

    def roles(self, person: str) -> list[Duty]:
        """The duties ``person`` holds under the policy (none without a policy)."""
        if self.policy is None:
            return []
        return [duty for duty in DUTIES if person in self.policy.owners.holders(duty)]

    def require_policy(self) -> Policy:
        if self.policy is None:
            raise UsageError(
                "this server was started without a policy, so nobody holds a role",
                fix="start it with `clearance serve --policy clearance.yaml`",
            )
        return self.policy


def state_of(request: Request) -> ServerState:
    """The :class:`ServerState` of the app serving ``request`` (a FastAPI dependency)."""
    state: ServerState = request.app.state.clearance
    return state

"""The rollout controller's guards, answered by governance: approvals, incidents and the
kill switch from the store, as the policy's owners recorded them."""

from __future__ import annotations

from clearance import governance
from clearance.policy import Policy
from clearance.rollout import StoreGuards
from clearance.store import Store


class GovernanceGuards(StoreGuards):
    """Real guards: the checklist decision, approvals, severe incidents and tool switches."""

    def __init__(self, store: Store, policy: Policy) -> None:
        super().__init__(store)
        self.policy = policy

    def checklist_blocked(self, release: str) -> str | None:
        """The checklist decision counts only under the policy it was made with: a local
        policy with a stage's approvals removed must not steer the rollout."""
        return super().checklist_blocked(release) or governance.policy_mismatch(
            self.store, self.policy, release
        )

    def missing_approvals(self, release: str, duties: list[str]) -> list[str]:
        if not duties:
            return []
        return governance.missing_approvals(self.store, self.policy, release, duties)

    def severe_incidents(self, release: str) -> list[str]:
        """Open severe incidents confirmed by a ``review_incidents`` holder: these block.
        Reports nobody has confirmed yet are :meth:`unconfirmed_incidents`."""
        return [
            f"#{i.id} {i.severity}: {i.title}"
            for i in governance.open_severe_incidents(self.store, self.policy, release)
        ]

    def unconfirmed_incidents(self, release: str) -> list[str]:
        """Open severe incidents reported but not confirmed (shown; they do not block)."""
        return [
            f"#{i.id} {i.severity}: {i.title} (reported by {i.opened_by}, awaiting "
            "confirmation by review_incidents)"
            for i in governance.unconfirmed_severe_incidents(self.store, self.policy, release)
        ]

    def disabled_tools(self) -> set[str]:
        return governance.disabled_tools(self.store)

    def disable_tool(self, name: str, actor: str) -> None:
        # The policy's owners authorised this before launch by declaring the trigger.
        trigger = next(
            (
                t.label
                for t in self.policy.triggers
                if t.action == "disable_tool" and t.tool == name
            ),
            None,
        )
        governance.disable_tool(
            self.store, self.policy, name, actor, trigger=trigger, reason="rollback trigger fired"
        )

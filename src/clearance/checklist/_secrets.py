"""The secret values a check must keep out of its report, computed by the caller."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from clearance.policy import Policy


@dataclass(frozen=True)
class Secrets:
    """The values of the declared ``gates.secrets_env`` variables that are set (by
    name) and the values the policy interpolated from ``${VAR}``."""

    declared: Mapping[str, str] = field(default_factory=dict)
    interpolated: frozenset[str] = frozenset()

    def values(self) -> list[str]:
        """Every secret value, longest first (so no secret is half-masked)."""
        found = set(self.interpolated) | {v for v in self.declared.values() if v}
        return sorted(found, key=len, reverse=True)


def secrets_of(policy: Policy, environ: Mapping[str, str]) -> Secrets:
    """The secrets of ``policy`` given an environment (the caller passes ``os.environ``)."""
    declared = {n: v for n in policy.gates.secrets_env if (v := environ.get(n))}
    interpolated = policy.source.secrets if policy.source is not None else frozenset()
    return Secrets(declared, frozenset(interpolated))

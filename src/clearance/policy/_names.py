"""The name a release is recorded under: ``system.name@system.version``."""

from __future__ import annotations

from clearance.policy._models import Policy


def release_tag(policy: Policy) -> str | None:
    """What follows the ``@``: ``system.version``, else the candidate's ``label``, else
    None (then only the candidate's fingerprint, known once it is built, can name it)."""
    return policy.system.version or policy.targets.candidate.label or None


def default_release(policy: Policy) -> str | None:
    """``system.name@system.version`` (``@label`` without a version), or None."""
    tag = release_tag(policy)
    return f"{policy.system.name}@{tag}" if tag else None

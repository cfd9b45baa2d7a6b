"""Roles come from the policy's ``owners``: who holds which duty, and who may waive what.

Waiving an area is the job of the duty that owns its risk (each area's ``waiver_duty`` in
:data:`clearance.policy.AREA_CATALOG`, as :data:`WAIVER_DUTY`):

==========================================================  ========================
area                                                        duty that may waive it
==========================================================  ========================
safety, security                                            ``review_incidents``
privacy                                                     ``handle_data_requests``
capability, reliability, cost, latency, documentation      ``own_evals``
monitoring, rollback                                        ``approve_changes``
==========================================================  ========================
"""

from __future__ import annotations

from clearance.errors import UsageError
from clearance.policy import AREAS, DUTIES, WAIVER_DUTY, Area, Duty, Policy

__all__ = ["WAIVER_DUTY", "as_area", "as_duty", "roles_of"]


def roles_of(policy: Policy, person: str) -> list[Duty]:
    """The duties ``person`` holds under the policy."""
    return [duty for duty in DUTIES if person in policy.owners.holders(duty)]


def as_duty(role: str) -> Duty:
    """``role`` checked against the six duty names."""
    for duty in DUTIES:
        if duty == role:
            return duty
    raise UsageError(f"unknown role '{role}'", fix=f"use one of: {', '.join(DUTIES)}")


def as_area(area: str) -> Area:
    for known in AREAS:
        if known == area:
            return known
    raise UsageError(f"unknown area '{area}'", fix=f"use one of: {', '.join(AREAS)}")

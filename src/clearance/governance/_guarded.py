"""The package's governance actions with their refusals recorded (``denied.<action>``).

The actions are defined in their own modules; this wraps each one that can raise
:class:`~clearance.errors.PermissionDenied` once, here, so every caller of the package
(CLI, server, rollout watch) records a refused attempt without each call site doing it.
Waivers decorate their own actions (:mod:`clearance.governance._waivers`).
"""

from __future__ import annotations

from clearance.governance import _approvals, _incidents, _registers, _tools
from clearance.governance._refusals import recording_refusals

approve = recording_refusals("approve")(_approvals.approve)
review_incident = recording_refusals("review_incident", "incident:{incident}")(
    _incidents.review_incident
)
close_incident = recording_refusals("close_incident", "incident:{incident}")(
    _incidents.close_incident
)
disable_tool = recording_refusals("disable_tool", "tool:{name}")(_tools.disable_tool)
enable_tool = recording_refusals("enable_tool", "tool:{name}")(_tools.enable_tool)
add_provider_key = recording_refusals("add_provider_key", "key:{name}")(_registers.add_provider_key)
rotate_provider_key = recording_refusals("rotate_provider_key", "key:{name}")(
    _registers.rotate_provider_key
)
close_data_request = recording_refusals("close_data_request", "data-request:{request_id}")(
    _registers.close_data_request
)

__all__ = [
    "add_provider_key",
    "approve",
    "close_data_request",
    "close_incident",
    "disable_tool",
    "enable_tool",
    "review_incident",
    "rotate_provider_key",
]

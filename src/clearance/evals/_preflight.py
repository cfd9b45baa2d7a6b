"""The run's own preflight: one real chat completion per target before the first sample.

A target's ``preflight`` checks what it can cheaply (a key variable, ``GET /models``);
a server can pass that and still answer every chat completion with 404 (a wrong path, a
proxy without the route), and a Python callable can raise on every call. One real call,
made exactly as the run makes them, finds that out before the run stores 162 errors.
"""

from __future__ import annotations

from clearance.errors import TargetError
from clearance.evals._breaker import TRANSPORT_KINDS, where
from clearance.targets import CallError, Target


class PreflightFailed(TargetError):
    """A target could not answer one plain chat completion before the run (exit 3)."""

    exit_code = 3


PING: list[dict[str, str]] = [{"role": "user", "content": "Reply with the word OK."}]


async def call_once(target: Target, role: str) -> None:
    """Make one chat completion to an HTTP target. A Python callable is not called (it
    may expect its own input format; a callable failing on every sample fails its runs,
    see ``RunSummary.failed_entirely``), nor is a recording.

    Raises:
        TargetError: the call failed, with the error and the target's address.
    """
    if getattr(getattr(target, "spec", None), "base_url", None) is None:
        return
    try:
        await target.complete(list(PING))
    except CallError as error:
        raise PreflightFailed(
            f"{role} target '{target.name}' at {where(target)} failed its preflight chat "
            f"completion: {error.kind}: {error}",
            fix=_fix(error),
        ) from None


def _fix(error: CallError) -> str:
    if error.status in (401, 403):
        return "check the API key (the policy names its variable in api_key_env)"
    if error.status == 404:
        return (
            "check base_url (it should end where /chat/completions is served, often /v1) "
            "and the model name"
        )
    if error.kind in TRANSPORT_KINDS:
        return "start the server, or correct base_url and timeout_s in the policy"
    return "fix the target so it answers a plain chat request, then run again"

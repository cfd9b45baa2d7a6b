"""Argo Rollouts analysis and Flagger webhooks: clearance as their analysis and gate.

``GET /v1/releases/{name}/analysis`` is an Argo Rollouts ``web`` metric: 200 with the
verdict (``decision``: ``continue``, ``promote``, ``rollback`` or ``pause``) and its
evidence; ``?weight=`` (Argo's ``{{args.canary-weight}}``, in percent) records Argo's
step as rollout transitions. ``POST /v1/flagger/{hook}`` answers Flagger's webhooks
(``gate`` for a ``rollout`` hook, ``confirm-traffic-increase``, ``confirm-promotion``,
``rollback``): 200 says yes, 412 says no (hold, or do not roll back), each with the same
verdict body. What each answer is, and what it records, is
:mod:`clearance.release._delivery`'s rulebook; this module only speaks HTTP.

Callers authenticate with a bearer token (a service account from ``clearance user
add``) and need the duties of a controller look and of the steps they record.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError, model_validator

from clearance.errors import DataError, UsageError
from clearance.release import Answer, Hook, argo_analysis, check_release_name, flagger_answer
from clearance.server._auth import Caller
from clearance.server._problems import PROBLEM_RESPONSES
from clearance.server._state import ServerState, state_of
from clearance.server.api.events import BodyTooLarge, loads, read_body

router = APIRouter(tags=["delivery"], responses=PROBLEM_RESPONSES)
State = Annotated[ServerState, Depends(state_of)]
MAX_HOOK_BYTES = 64 * 1024
"""A Flagger webhook body (name, namespace, phase, checksum, metadata) is small."""
_NO: dict[int | str, dict[str, Any]] = {
    412: {"model": Answer, "description": "No: hold (or do not roll back)"}
}


@router.get("/v1/releases/{name}/analysis", response_model=Answer)
def analysis(
    name: str,
    state: State,
    who: Caller,
    weight: Annotated[float | None, Query(ge=0, le=100, allow_inf_nan=False)] = None,
) -> Answer:
    """One Argo Rollouts measurement of ``name``: the verdict and its evidence (e-values
    against the bars they fire at, requests per arm, the stage). With ``weight`` (Argo's
    canary weight in percent) a weight above the current stage's is recorded as the
    start and advances up to the stage of that weight (reason ``argo``; the caller needs
    ``approve_changes``); a ``rollback`` verdict is recorded as a rollback."""
    share = None if weight is None else weight / 100
    return argo_analysis(state.store, state.require_policy(), name, who.name, weight=share)


_K8S_NAME = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"
"""A Kubernetes object name (RFC 1123 subdomain)."""


class FlaggerHook(BaseModel):
    """What Flagger POSTs to a webhook."""

    name: str = Field(min_length=1, max_length=253, pattern=_K8S_NAME)
    namespace: str = Field(min_length=1, max_length=63, pattern=_K8S_NAME)
    phase: str = Field(default="", max_length=64, pattern=r"^[A-Za-z]*$")
    """``Progressing``, ``WaitingPromotion``, ``Promoting``, ... (recorded in reasons)."""
    checksum: str = Field(default="", max_length=200)
    metadata: dict[str, str] = Field(default_factory=dict, max_length=64)
    """The webhook's ``metadata``; ``release`` names the clearance release."""

    @property
    def release(self) -> str:
        """``metadata.release``, else ``<name>.<namespace>``."""
        return self.metadata.get("release") or f"{self.name}.{self.namespace}"

    @model_validator(mode="after")
    def _usable_release(self) -> FlaggerHook:
        try:
            check_release_name(self.release)
        except UsageError as exc:
            raise ValueError(exc.message) from None
        return self


@router.post("/v1/flagger/{hook}", response_model=Answer, responses=_NO)
async def flagger(
    hook: Annotated[Hook, Path()], request: Request, state: State, who: Caller
) -> JSONResponse:
    """A Flagger webhook: ``gate`` (a ``rollout`` hook: 412 only on a ``rollback``
    verdict), ``confirm-traffic-increase`` / ``confirm-promotion`` (200 only on
    ``promote``, recording the advance granted; the promotion only into the full
    rollout), ``rollback`` (200: roll back now; recorded). The release is
    ``metadata.release``, else ``<name>.<namespace>``."""
    body = await _hook_body(request)
    policy = state.require_policy()
    yes, answer = await run_in_threadpool(
        flagger_answer, state.store, policy, body.release, who.name, hook, body.phase
    )
    return JSONResponse(answer.model_dump(mode="json"), status_code=200 if yes else 412)


async def _hook_body(request: Request) -> FlaggerHook:
    """The webhook's body, validated (422 for anything else, 413 when too large)."""
    raw = await read_body(request)
    if len(raw) > MAX_HOOK_BYTES:
        raise BodyTooLarge(
            f"the body is larger than {MAX_HOOK_BYTES} bytes ({len(raw)} bytes)",
            fix="send Flagger's webhook payload: name, namespace, phase, checksum, metadata",
        )
    try:
        return FlaggerHook.model_validate(loads(raw))
    except (ValueError, RecursionError, ValidationError) as exc:
        where = _where(exc)
        raise DataError(
            f"the body is not a Flagger webhook payload{where}",
            fix='send {"name": ..., "namespace": ..., "phase": ..., "metadata": {"release": ...}}',
        ) from None


def _where(exc: Exception) -> str:
    if not isinstance(exc, ValidationError) or not exc.errors():
        return ""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first.get("loc", ()))
    return f": {loc or 'body'}: {first.get('msg', '')}"[:300]

"""The application factory: the JSON API under ``/v1``, the dashboard, health."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from clearance import governance
from clearance.governance import public_key_from
from clearance.policy import Policy, load_policy
from clearance.rollout import TelemetryEvent
from clearance.server import _problems
from clearance.server._schemas import Health
from clearance.server._state import ServerState, state_of
from clearance.store import Store, open_store

AUDIT_KEY_ENV = "CLEARANCE_AUDIT_PUBLIC_KEY"
"""The environment variable holding the audit checkpoints' public key (a path or PEM)."""
TAGS = [
    {"name": "releases", "description": "Releases and their latest decision."},
    {"name": "checks", "description": "Check reports (`clearance.report/v1`); run a check."},
    {"name": "cards", "description": "Model and system cards built from the evidence."},
    {"name": "approvals", "description": "Sign-offs by the policy's owners."},
    {"name": "waivers", "description": "Failing areas accepted by their owners, for a while."},
    {"name": "incidents", "description": "Incidents about a release."},
    {"name": "audit", "description": "The hash-chained audit log and its verification."},
    {"name": "rollouts", "description": "Staged rollout: status, advance, pause, rollback."},
    {"name": "telemetry", "description": "Telemetry events in; sticky routing out."},
    {
        "name": "delivery",
        "description": "Argo Rollouts analysis and Flagger webhooks: clearance decides.",
    },
]


def create_app(
    store_url: str | None = None,
    policy_path: str | os.PathLike[str] | None = None,
    *,
    store: Store | None = None,
    policy: Policy | None = None,
    audit_key: Ed25519PublicKey | str | os.PathLike[str] | None = None,
) -> FastAPI:
    """The clearance server over the store at ``store_url`` (default: as the CLI) and the
    policy at ``policy_path`` (its owners give users their roles). An open ``store`` or a
    loaded ``policy`` may be passed instead. ``audit_key`` is the public key of the audit
    checkpoints (a key, a PEM file's path or PEM text): with it, verifying the audit log
    also checks every signed checkpoint."""
    if policy is None and policy_path is not None:
        policy = load_policy(Path(policy_path))
    key = (
        audit_key if isinstance(audit_key, Ed25519PublicKey | None) else public_key_from(audit_key)
    )
    state = ServerState(store or open_store(store_url), policy, key)
    app = FastAPI(
        title="clearance",
        version="1",
        summary="Release checks, approvals and staged rollout for models and AI systems.",
        openapi_tags=TAGS,
        redirect_slashes=False,
    )
    app.state.clearance = state
    app.state.redact = state.redact
    _problems.install(app)
    app.add_middleware(_Authenticated)
    _routes(app)
    _schemas(app)
    return app


class _Authenticated:
    """Audit entries written while serving a request say they came through the server,
    whose callers are authenticated (a token or a session checked in the store); the
    requests that are not cannot reach a governed action."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with governance.acting_through("server", authenticated=True):
            await self.app(scope, receive, send)


def _routes(app: FastAPI) -> None:
    from clearance.server.api import (
        approvals,
        audit,
        delivery,
        events,
        incidents,
        litellm,
        otlp,
        releases,
        rollouts,
        scorecard,
        users,
    )
    from clearance.server.web import pages

    app.add_api_route("/healthz", _health, methods=["GET"], response_model=Health, tags=["health"])
    modules = (releases, approvals, incidents, audit, rollouts, scorecard, events, users)
    for module in (*modules, otlp, delivery, litellm):
        app.include_router(module.router)
    pages.mount(app)


def _health(state: Annotated[ServerState, Depends(state_of)]) -> Health:
    """Liveness and the store's reachability (a trivial query)."""
    state.store.ping()
    return Health(status="ok", store=state.store.dialect)


def _schemas(app: FastAPI) -> None:
    """Add the telemetry event schema, referenced by ``POST /v1/events``'s raw body."""
    base = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema is None:
            schema = base()
            event = TelemetryEvent.model_json_schema(ref_template="#/components/schemas/{model}")
            schema.setdefault("components", {}).setdefault("schemas", {})["TelemetryEvent"] = event
        return app.openapi_schema or schema

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): reads ``CLEARANCE_DATABASE_URL``,
    ``CLEARANCE_POLICY`` and ``CLEARANCE_AUDIT_PUBLIC_KEY`` (a PEM file or PEM text)."""
    return create_app(
        os.environ.get("CLEARANCE_DATABASE_URL"),
        os.environ.get("CLEARANCE_POLICY"),
        audit_key=os.environ.get(AUDIT_KEY_ENV) or None,
    )

"""``clearance serve``: the API and dashboard under uvicorn, loopback-only by default."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

import typer

from clearance.cli._common import DEFAULT_POLICY, DbOpt, PolicyOpt, err, store_at
from clearance.errors import UsageError
from clearance.policy import load_policy
from clearance.store import database_url


def serve(
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (share state via the store).")
    ] = 1,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow a non-loopback --host.")
    ] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Serve the API (/v1, OpenAPI at /docs) and the dashboard (/ui)."""
    _check_host(host, allow_remote)
    url = database_url(db)
    with store_at(url):  # migrate once here, not racing in every worker
        pass
    policy_file = _policy_file(policy)
    os.environ["CLEARANCE_DATABASE_URL"] = url
    if policy_file is not None:
        os.environ["CLEARANCE_POLICY"] = str(policy_file)
    else:
        os.environ.pop("CLEARANCE_POLICY", None)
    if workers > 1 and url.startswith("sqlite"):
        err.print("note: several workers on SQLite serialize their writes; prefer PostgreSQL")
    _run(host, port, workers, access_log)


def _check_host(host: str, allow_remote: bool) -> None:
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(
            f"refusing to listen on '{host}': it is not a loopback address",
            fix="put a TLS-terminating proxy in front and pass --allow-remote, or use 127.0.0.1",
        )


def _policy_file(path: Path) -> Path | None:
    """The policy to serve with: validated now, so a bad file fails before any worker."""
    if not path.exists() and path == DEFAULT_POLICY:
        err.print("no clearance.yaml here: serving without roles (read-only for everyone)")
        return None
    load_policy(path)
    return path.resolve()


def _run(host: str, port: int, workers: int, access_log: bool) -> None:
    import uvicorn

    err.print(f"clearance serving on http://{host}:{port} (dashboard /ui, API docs /docs)")
    uvicorn.run(
        "clearance.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )

"""``clearance serve``: the API and dashboard under uvicorn, loopback-only by default."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._common import DEFAULT_POLICY, DbOpt, LazyModule, PolicyOpt, err, store_at
from clearance.errors import UsageError

if TYPE_CHECKING:
    from clearance import governance
else:
    governance = LazyModule("clearance.governance")


AUDIT_KEY_ENV = "CLEARANCE_AUDIT_PUBLIC_KEY"
"""Read by ``clearance.server.app_from_env`` in every worker (not imported from there:
the CLI does not load the server until it serves)."""


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
    audit_key: Annotated[
        Path | None,
        typer.Option(
            "--audit-key",
            help="Audit checkpoints' public key: verifying the log also checks their "
            "signatures (default: $CLEARANCE_AUDIT_PUBLIC_KEY).",
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Behind a reverse proxy: the proxy addresses (comma-separated, or '*') whose "
            "X-Forwarded-Proto/-For are trusted, so HTTPS is seen as HTTPS (Secure cookies, "
            "same-origin form checks). Default: no forwarded headers are trusted.",
        ),
    ] = None,
) -> None:
    """Serve the API (/v1, OpenAPI at /docs) and the dashboard (/ui/releases)."""
    from clearance.store import database_url

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
    _audit_key(audit_key)
    if workers > 1 and url.startswith("sqlite"):
        err.print("note: several workers on SQLite serialize their writes; prefer PostgreSQL")
    _run(host, port, workers, access_log, forwarded_allow_ips)


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
    from clearance.policy import load_policy

    load_policy(path)
    return path.resolve()


def _audit_key(path: Path | None) -> None:
    """Hand the workers the audit public key, checked now so a bad one fails first."""
    if path is not None:
        governance.load_public_key(path)
        os.environ[AUDIT_KEY_ENV] = str(path.resolve())
        return
    source = os.environ.get(AUDIT_KEY_ENV)
    if source:
        governance.public_key_from(source)
    else:
        err.print("note: no --audit-key: audit verification will not check signatures")


def _run(host: str, port: int, workers: int, access_log: bool, proxies: str | None) -> None:
    import uvicorn

    err.print(f"clearance serving on http://{host}:{port} (dashboard /ui/releases, API docs /docs)")
    uvicorn.run(
        "clearance.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        proxy_headers=proxies is not None,
        forwarded_allow_ips=proxies,
        server_header=False,
        log_level="info",
    )

"""``clearance release export`` and ``clearance release verify``: the signed release record."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._common import (
    DEFAULT_POLICY,
    DbOpt,
    LazyModule,
    PolicyOpt,
    err,
    out,
    policy_at,
    store_at,
)

if TYPE_CHECKING:
    from clearance import governance
else:
    governance = LazyModule("clearance.governance")


release_app = typer.Typer(help="The release record: export and verify.", no_args_is_help=True)


@release_app.command("export")
def export(
    release: Annotated[str, typer.Argument(help="Release name.")],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Bundle file to write.")],
    key: Annotated[
        Path | None, typer.Option("--key", help="Private key to sign with (audit keygen).")
    ] = None,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
) -> None:
    """Write the release's evidence bundle (in-toto Statement in a DSSE envelope)."""
    from clearance.release import card_path

    card = card_path(policy_at(policy, require_env=False)) if policy.exists() else None
    signer = governance.load_private_key(key) if key else None
    with store_at(db) as store:
        bundle = governance.export_bundle(store, release, card=card, key=signer)
    governance.write_bundle(bundle, out_path)
    signed = "signed" if signer else "UNSIGNED (pass --key to sign)"
    err.print(f"wrote {out_path} ({signed})")


@release_app.command("verify")
def verify(
    bundle: Annotated[Path, typer.Argument(help="Bundle file from `release export`.")],
    key: Annotated[
        Path | None, typer.Option("--key", help="Public key that must have signed it.")
    ] = None,
    card: Annotated[
        Path | None, typer.Option("--card", help="Also check this card against the bundle.")
    ] = None,
) -> None:
    """Check a bundle offline: exit 0 intact, 1 altered or not signed by --key."""
    public = governance.load_public_key(key) if key else None
    result = governance.verify_bundle(governance.read_bundle(bundle), public, card=card)
    for problem in result.problems:
        out(f"{bundle}: {problem}")
    if not result.ok:
        raise typer.Exit(1)
    out(f"{bundle}: {result.release} {result.decision}, content {result.digest[:12]} verified")
    if result.unauthenticated:
        err.print(
            "approvals by a name that was only claimed (local CLI, not authenticated): "
            + ", ".join(result.unauthenticated)
        )
    if not result.signature_checked:
        err.print(f"{result.signatures} signature(s) not checked: pass --key PUB to check them")

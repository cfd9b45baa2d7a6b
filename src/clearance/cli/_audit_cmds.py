"""``clearance audit log``, ``verify``, ``keygen`` and ``checkpoint``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._check_cmds import AsOpt, actor
from clearance.cli._common import (
    DbOpt,
    FormatOpt,
    LazyModule,
    ListFormat,
    err,
    out,
    stdout_console,
    store_at,
)
from clearance.cli._safe import SafeTable as Table
from clearance.common import canonical_json
from clearance.errors import UsageError

if TYPE_CHECKING:
    from clearance import governance
else:
    governance = LazyModule("clearance.governance")


audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("log")
def log(
    db: DbOpt = None,
    limit: Annotated[int | None, typer.Option(help="Show at most N entries.")] = None,
    since: Annotated[int, typer.Option(help="Only entries after this sequence number.")] = 0,
    subject: Annotated[str | None, typer.Option(help="Only entries about this subject.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    fmt: FormatOpt = ListFormat.table,
) -> None:
    """Show the audit log. An actor marked ``*`` was not authenticated: the name was only
    claimed (``--as`` on a local store), not proven by a token.

    JSON (--format json, an array; --json, one object a line): {seq, ts, actor, action,
    subject, payload, prev_hash, hash}."""
    with store_at(db) as store:
        rows = governance.entries(store, since=since, limit=limit, subject=subject)
    if as_json:
        out("".join(json.dumps(e.__dict__, sort_keys=True) + "\n" for e in rows))
        return
    if fmt is ListFormat.json:
        out(json.dumps([e.__dict__ for e in rows], sort_keys=True, indent=2) + "\n")
        return
    table = Table("seq", "time (UTC)", "actor", "action", "subject", "details")
    claimed = 0
    for e in rows:
        proven = _authenticated(e.payload)
        claimed += proven is False
        details = {k: v for k, v in e.payload.items() if k != governance.IDENTITY_KEY}
        table.add_row(
            str(e.seq),
            e.ts[:19].replace("T", " "),
            e.actor + ("*" if proven is False else ""),
            e.action,
            e.subject,
            canonical_json(details)[:80],
        )
    stdout_console().print(table)
    note = f"; * {claimed} by a claimed, unauthenticated name" if claimed else ""
    err.print(f"{len(rows)} entries{note}")


def _authenticated(payload: dict[str, object]) -> bool | None:
    """Whether the entry's actor was authenticated (None for entries from before)."""
    identity = payload.get(governance.IDENTITY_KEY)
    return bool(identity.get("authenticated")) if isinstance(identity, dict) else None


@audit_app.command("verify")
def verify(
    db: DbOpt = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Public key: also check every signed checkpoint."),
    ] = None,
    checkpoint_files: Annotated[
        list[str] | None,
        typer.Option(
            "--checkpoint",
            help="Checkpoints kept outside the database: a file, a folder of *.json or a "
            "quoted pattern (repeatable). Needs --key.",
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full/--incremental",
            help="Hash every entry (default), or with --key only those after the newest "
            "valid signed checkpoint (the entry there is re-hashed).",
        ),
    ] = True,
) -> None:
    """Prove the log was not edited: exit 0 intact, 1 tampered (naming the first bad entry).
    With --key, also prove nobody rewrote it before the last signed checkpoint, and with
    --checkpoint copies kept elsewhere, that nobody truncated it or deleted checkpoints."""
    if key is not None:
        _verify_signed(db, key, checkpoint_files or [], full)
        return
    if checkpoint_files or not full:
        raise UsageError(
            "--checkpoint and --incremental need --key",
            fix="pass the public key: clearance audit verify --key audit.key.pub ...",
        )
    with store_at(db) as store:
        result = governance.verify(store)
    if result.ok:
        out(f"audit log intact: {result.checked} entries, head {result.head[:16]}")
        return
    out(f"audit log TAMPERED at entry {result.first_bad}: {result.problem}")
    out(f"({result.checked} entries before it verified)")
    raise typer.Exit(1)


def _verify_signed(db: str | None, key: Path, files: list[str], full: bool) -> None:
    public = governance.load_public_key(key)
    extra = governance.load_checkpoints(files)
    with store_at(db) as store:
        result = governance.verify_with_checkpoints(store, public, extra, full=full)
    if result.ok:
        chain = result.chain
        hashed = "" if chain.full else f" ({chain.checked} after entry {chain.start_seq} hashed)"
        out(
            f"audit log intact: {chain.head_seq} entries{hashed}, {result.checkpoints} "
            f"signed checkpoint(s) hold ({result.external} from outside the database), "
            f"history signed up to entry {result.covered_seq}"
        )
        return
    for problem in result.problems:
        out(f"audit log TAMPERED: {problem}")
    raise typer.Exit(1)


@audit_app.command("keygen")
def keygen(
    out_path: Annotated[
        Path, typer.Option("--out", "-o", help="Private key file; KEYFILE.pub is written too.")
    ],
) -> None:
    """Make an Ed25519 key pair for checkpoints and release bundles (private key 0600)."""
    private, public = governance.generate_keypair(out_path)
    out(f"wrote {private} (private, keep it off the database host) and {public}")


@audit_app.command("checkpoint")
def checkpoint(
    key: Annotated[Path, typer.Option("--key", help="Private key from `audit keygen`.")],
    db: DbOpt = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Also save the checkpoint to this new .json file, or into this folder. "
            "Keep the copies off the database host (e.g. as CI artifacts).",
        ),
    ] = None,
    as_: AsOpt = None,
) -> None:
    """Sign the chain head and store the checkpoint; keep an --out copy elsewhere too."""
    signer = governance.load_private_key(key)
    if out_path is not None and out_path.is_file():
        raise UsageError(f"{out_path} already exists", fix="give a new file or a folder")
    with store_at(db) as store:
        point = governance.checkpoint(store, signer, actor(as_))
    if out_path is not None:
        err.print(f"wrote {governance.write_checkpoint(point, out_path)}")
    out(f"checkpoint signed at entry {point.seq} ({point.count} entries, head {point.hash[:16]})")

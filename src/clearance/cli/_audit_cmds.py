"""``clearance audit log`` and ``clearance audit verify``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from clearance import governance
from clearance.cli._common import DbOpt, err, out, store_at

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@audit_app.command("log")
def log(
    db: DbOpt = None,
    limit: Annotated[int | None, typer.Option(help="Show at most N entries.")] = None,
    since: Annotated[int, typer.Option(help="Only entries after this sequence number.")] = 0,
    subject: Annotated[str | None, typer.Option(help="Only entries about this subject.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show the audit log."""
    with store_at(db) as store:
        rows = governance.entries(store, since=since, limit=limit, subject=subject)
    if as_json:
        out("".join(json.dumps(e.__dict__, sort_keys=True) + "\n" for e in rows))
        return
    table = Table("seq", "time (UTC)", "actor", "action", "subject", "details")
    for e in rows:
        table.add_row(
            str(e.seq),
            e.ts[:19].replace("T", " "),
            e.actor,
            e.action,
            e.subject,
            governance.canonical(e.payload)[:80],
        )
    from rich.console import Console

    Console(highlight=False).print(table)
    err.print(f"{len(rows)} entries")


@audit_app.command("verify")
def verify(db: DbOpt = None) -> None:
    """Prove the log was not edited: exit 0 intact, 1 tampered (naming the first bad entry)."""
    with store_at(db) as store:
        result = governance.verify(store)
    if result.ok:
        out(f"audit log intact: {result.checked} entries, head {result.head[:16]}")
        return
    out(f"audit log TAMPERED at entry {result.first_bad}: {result.problem}")
    out(f"({result.checked} entries before it verified)")
    raise typer.Exit(1)

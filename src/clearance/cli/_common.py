"""What every command shares: the stderr console, common options, opening things."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clearance.cli._safe import SafeConsole, clean
from clearance.policy import Policy, load_policy
from clearance.store import Store, open_store

err = SafeConsole(stderr=True)
"""Progress, logs and messages: stderr. Reports and data go to stdout. Markup only where
a call passes ``markup=True``; control characters are always shown as escapes."""

PolicyOpt = Annotated[Path, typer.Option("--policy", "-p", help="Policy file.", show_default=True)]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default: $CLEARANCE_DATABASE_URL or "
        "sqlite:///.clearance/clearance.db).",
        show_default=False,
    ),
]
DEFAULT_POLICY = Path("clearance.yaml")


def policy_at(path: Path, *, require_env: bool = True) -> Policy:
    return load_policy(path, require_env=require_env)


def store_at(db: str | None) -> Store:
    return open_store(db)


def out(text: str) -> None:
    """Write a report or data to stdout, unstyled, control characters shown as escapes."""
    typer.echo(clean(text), nl=not text.endswith("\n"))


def stdout_console(width: int | None = None) -> SafeConsole:
    """A console for tables on stdout (literal text, control characters escaped)."""
    return SafeConsole(width=width)

"""What every command shares: the stderr console, common options, opening things."""

from __future__ import annotations

import enum
import importlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clearance.cli._safe import SafeConsole, SafeTable, clean

if TYPE_CHECKING:
    from clearance.policy import Policy
    from clearance.store import Store

err = SafeConsole(stderr=True)
"""Progress, logs and messages: stderr. Reports and data go to stdout. Markup only where
a call passes ``markup=True``; control characters are always shown as escapes. Silent
under ``--quiet`` except for :meth:`SafeConsole.error`."""

_LOGGER = "clearance"


class _ConsoleLog(logging.Handler):
    """Library log records, one line each, on the stderr console."""

    def emit(self, record: logging.LogRecord) -> None:
        err.error(f"{record.levelname.lower()}: {record.name}: {record.getMessage()}")


_HANDLER = _ConsoleLog()


def configure_output(*, quiet: bool, verbose: bool) -> None:
    """Apply ``--quiet`` (errors and the data asked for only) or ``--verbose`` (debug
    logs of the library, tracebacks of internal errors) for this invocation."""
    from clearance.errors import UsageError

    if quiet and verbose:
        raise UsageError(
            "--quiet and --verbose contradict each other", fix="pass one of them, not both"
        )
    err.quiet = quiet
    err.verbose = verbose
    logger = logging.getLogger(_LOGGER)
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)
    logger.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)


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


class LazyModule(ModuleType):
    """A module imported on first attribute access, so that ``clearance --help`` does not
    load the store and SQLAlchemy. Bind it under ``if not TYPE_CHECKING`` and import the
    real module under ``TYPE_CHECKING``, so type checks see the real one."""

    def __init__(self, name: str) -> None:
        super().__init__(name)

    def __getattr__(self, attr: str) -> object:
        return getattr(importlib.import_module(self.__name__), attr)


def policy_at(path: Path, *, require_env: bool = True) -> Policy:
    from clearance.policy import load_policy

    return load_policy(path, require_env=require_env)


def store_at(db: str | None) -> Store:
    from clearance.store import open_store

    return open_store(db)


def out(text: str) -> None:
    """Write a report or data to stdout, unstyled, control characters shown as escapes."""
    typer.echo(clean(text), nl=not text.endswith("\n"))


def stdout_console(width: int | None = None) -> SafeConsole:
    """A console for tables on stdout (literal text, control characters escaped). Not a
    terminal (a file, a pipe): as wide as the table needs, so no name is ever cut."""
    console = SafeConsole(width=width)
    if width is None and not console.is_terminal:
        console.width = _UNBOUNDED
    return console


_UNBOUNDED = 100_000


class ListFormat(enum.StrEnum):
    table = "table"
    json = "json"


FormatOpt = Annotated[
    ListFormat,
    typer.Option(
        "--format",
        "-f",
        help="table, or json: stable keys, as listed above (timestamps in ISO 8601, UTC).",
    ),
]


def emit_listing(
    fmt: ListFormat, data: list[dict[str, Any]] | dict[str, Any], table: Callable[[], SafeTable]
) -> None:
    """Print a listing: ``data`` as JSON, or the table ``table`` builds."""
    if fmt is ListFormat.json:
        out(json.dumps(data, indent=2, default=str) + "\n")  # ASCII: no raw control or bidi
    else:
        stdout_console().print(table())

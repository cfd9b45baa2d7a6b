"""The command-line shell. ``run(argv)`` returns the exit code; ``main()`` exits with it."""

from __future__ import annotations

import os
import sys
import traceback

import typer.main
from rich.markup import escape

from clearance.cli._app import app
from clearance.cli._common import err
from clearance.errors import ClearanceError


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return its exit code (0 ok, 1 blocked, 2 bad input, 3
    run-time failure)."""
    command = typer.main.get_command(app)
    try:
        # Standalone mode: Click reports its own usage errors (exit 2) and raises SystemExit.
        # The root callback enters the acting channel ("cli", unauthenticated).
        command.main(args=argv, prog_name="clearance", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ClearanceError as exc:
        err.error(f"[bold red]error:[/] {escape(str(exc))}", markup=True)
        return exc.exit_code
    except Exception as exc:  # a bug: a run-time failure (3), never a bare traceback
        return _internal_error(exc)
    return 0


def _internal_error(exc: Exception) -> int:
    """Report an unexpected exception in one line (its traceback with CLEARANCE_DEBUG=1);
    exit 3, never 1, which means "blocked"."""
    if os.environ.get("CLEARANCE_DEBUG") or err.verbose:
        err.error(escape("".join(traceback.format_exception(exc))), markup=True)
    err.error(
        f"[bold red]error:[/] internal error: {escape(type(exc).__name__)}: "
        f"{escape(str(exc))}\n  fix: this is a bug in clearance; rerun with CLEARANCE_DEBUG=1 "
        "and report the traceback",
        markup=True,
    )
    return 3


def main() -> None:
    sys.exit(run())


__all__ = ["app", "main", "run"]

"""The command-line shell. ``run(argv)`` returns the exit code; ``main()`` exits with it."""

from __future__ import annotations

import sys

import typer.main
from rich.markup import escape

from clearance.cli._app import app
from clearance.cli._common import err
from clearance.errors import ClearanceError
from clearance.governance import acting_through


def run(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return its exit code (0 ok, 1 blocked/failed, 2 bad input)."""
    command = typer.main.get_command(app)
    try:
        # Standalone mode: Click reports its own usage errors (exit 2) and raises SystemExit.
        # On a local store the acting name (--as) is only claimed: entries say so.
        with acting_through("cli", authenticated=False):
            command.main(args=argv, prog_name="clearance", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ClearanceError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, soft_wrap=True)
        return exc.exit_code
    return 0


def main() -> None:
    sys.exit(run())


__all__ = ["app", "main", "run"]

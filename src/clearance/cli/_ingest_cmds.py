"""``clearance ingest``: load telemetry (JSONL or OTLP/JSON) into the store."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._common import DbOpt, FormatOpt, ListFormat, err, out, store_at
from clearance.errors import UsageError

if TYPE_CHECKING:
    from clearance.rollout import IngestReport


def ingest_cmd(
    source: Annotated[
        str, typer.Argument(help="A JSONL file of events (or OTLP/JSON exports), or - for stdin.")
    ],
    db: DbOpt = None,
    release: Annotated[
        str | None, typer.Option(help="Release name for events that carry none.")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Append invalid events here, each with its line number and error."),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Events per transaction.")] = 10_000,
    any_time: Annotated[
        bool,
        typer.Option(
            "--any-time",
            help="Accept events from any time the schema allows (a historical file or a "
            "simulation with its own clock); default: 30 days back to 1 hour ahead of now.",
        ),
    ] = False,
    fmt: FormatOpt = ListFormat.table,
) -> None:
    """Validate telemetry events and store them; a retried file is not counted twice.

    Exit 0 when every event was stored (or already was), 1 when some were rejected
    (listed on stderr with their line numbers), 2 when the input cannot be read.

    JSON: {accepted, duplicates, rejected, rejects: [{line, error}]} (the
    first rejects; --rejects keeps them all)."""
    from clearance.rollout import TS_WINDOW, ingest

    window = None if any_time else TS_WINDOW
    if source != "-" and not Path(source).is_file():
        raise UsageError(f"no such file: {source}", fix="give a JSONL file, or - for stdin")
    with store_at(db) as store:
        if source == "-":
            report = ingest(
                store,
                sys.stdin.buffer,
                release=release,
                rejects=rejects,
                batch_size=batch_size,
                ts_window=window,
            )
        else:
            with Path(source).open("rb") as lines:
                report = ingest(
                    store,
                    lines,
                    release=release,
                    rejects=rejects,
                    batch_size=batch_size,
                    ts_window=window,
                )
    if fmt is ListFormat.json:
        counts = {"accepted": report.accepted, "duplicates": report.duplicates}
        listed = [{"line": r.line, "error": r.error} for r in report.rejects]
        out(json.dumps({**counts, "rejected": report.rejected, "rejects": listed}, indent=2))
    else:
        _summary(report, rejects)
    if report.rejected:
        raise typer.Exit(1)


def _summary(report: IngestReport, rejects: Path | None) -> None:
    for reject in report.rejects[:20]:
        err.print(f"line {reject.line}: {reject.error}", soft_wrap=True)  # literal: no markup
    if report.rejected > 20:
        err.print(f"... and {report.rejected - 20} more" + (f" (see {rejects})" if rejects else ""))
    out(f"accepted {report.accepted}, duplicates {report.duplicates}, rejected {report.rejected}")

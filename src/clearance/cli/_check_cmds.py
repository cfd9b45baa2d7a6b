"""``clearance check`` and ``clearance card``: thin shells over ``clearance.release``."""

from __future__ import annotations

import enum
import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from clearance.cli._common import DEFAULT_POLICY, DbOpt, PolicyOpt, err, out, policy_at, store_at
from clearance.cli._eval_cmds import DownAfterOpt, FixedOpt, IntervalOpt
from clearance.cli._outputs import OutputError, append_whole, write_atomic
from clearance.cli._progress_view import DEFAULT_INTERVAL_S
from clearance.errors import RuntimeFailure

if TYPE_CHECKING:
    pass

AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="Who is acting (default: $CLEARANCE_USER, else the login name)."),
]


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"
    junit = "junit"


def actor(name: str | None) -> str:
    return name or os.environ.get("CLEARANCE_USER") or getpass.getuser()


def check(
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.table,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report here.")
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", "-c", min=1, help="Most requests in flight per target (ceiling)."
        ),
    ] = 64,
    release: Annotated[
        str | None, typer.Option(help="Release name (default system@version).")
    ] = None,
    as_: AsOpt = None,
    rerun: Annotated[
        bool, typer.Option("--rerun", help="Run every suite afresh instead of reusing results.")
    ] = False,
    interval: IntervalOpt = DEFAULT_INTERVAL_S,
    down_after: DownAfterOpt = 60.0,
    fixed: FixedOpt = False,
) -> None:
    """Run missing or stale evals, then decide: exit 0 cleared, 1 blocked, 2 bad input,
    3 a run-time failure (a target failing its preflight or stopping during the run, a
    suite whose every sample failed), 130 interrupted (run it again to resume)."""
    from clearance.cli._eval_cmds import INTERRUPTED, report_errors
    from clearance.cli._progress_view import ProgressDisplay
    from clearance.evals import EvalConfig
    from clearance.release import run_check

    loaded = policy_at(policy)
    config = EvalConfig(concurrency=concurrency, down_after_s=down_after, adaptive=not fixed)
    try:
        with store_at(db) as store, ProgressDisplay(interval) as display:
            outcome = run_check(
                loaded,
                store,
                config,
                actor=actor(as_),
                reuse=not rerun,
                release=release,
                on_progress=display.update,
            )
    except KeyboardInterrupt:
        err.print(INTERRUPTED.format(hint="'clearance check' (it resumes them)"))
        raise typer.Exit(130) from None
    report_errors(list(outcome.summaries))
    report = outcome.report
    # The decision is recorded by now: each output is tried on its own, the decision is
    # shown, and only then does an output that could not be written fail the command (3).
    kept = "the check ran and its decision is recorded; a rerun reuses its results"
    failures: list[OutputError] = []
    try:
        emit(
            render_report(report, fmt, outcome.latency),
            out_path,
            fix=f"give --out a file path in a writable folder ({kept})",
        )
    except OutputError as exc:
        failures.append(exc)
    try:
        _step_summary(
            report, fix=f"point GITHUB_STEP_SUMMARY at a writable file or unset it ({kept})"
        )
    except OutputError as exc:
        failures.append(exc)
    colour = "green" if report.decision == "cleared" else "red"
    err.print(
        f"[bold {colour}]{report.decision.upper()}[/] {escape(outcome.release)} "
        f"(evidence {report.evidence_hash[:12]})",
        markup=True,
    )
    if failures:
        raise _joined(failures)
    raise typer.Exit(0 if report.decision == "cleared" else 1)


def render_report(report: object, fmt: Format, latency: dict[str, list[float]]) -> str:
    from clearance.report import render, render_html, render_table

    if fmt is Format.html:
        return render_html(report, latency=latency)  # type: ignore[arg-type]
    if fmt is Format.table:
        return render_table(report, color=err.is_terminal)  # type: ignore[arg-type]
    return render(report, fmt.value)  # type: ignore[arg-type]


def emit(
    text: str, path: Path | None, *, fix: str = "give --out a file path in a writable folder"
) -> None:
    if path is None:
        out(text)
        return
    write_atomic(path, text, what="the report", fix=fix)
    err.print(f"wrote {path}")


def _step_summary(report: object, *, fix: str) -> None:
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    from clearance.report import render_markdown

    text = render_markdown(report)  # type: ignore[arg-type]
    append_whole(Path(summary), text, what="the step summary ($GITHUB_STEP_SUMMARY)", fix=fix)


def _joined(failures: list[OutputError]) -> RuntimeFailure:
    if len(failures) == 1:
        return failures[0]
    return OutputError(
        "; ".join(f.message for f in failures),
        fix="; ".join(f.fix for f in failures if f.fix),
    )

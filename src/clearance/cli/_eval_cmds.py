"""``clearance eval``: run the policy's suites against its targets, show progress, summarize.

Parsing and printing only; the work is :func:`clearance.evals.evaluate`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clearance.cli._common import (
    DEFAULT_POLICY,
    DbOpt,
    PolicyOpt,
    err,
    out,
    policy_at,
    stdout_console,
    store_at,
)
from clearance.cli._progress_view import DEFAULT_INTERVAL_S, ProgressDisplay
from clearance.cli._safe import SafeTable as Table

if TYPE_CHECKING:  # the engine is imported when the command runs, keeping --help fast
    from clearance.evals import RunSummary
    from clearance.evals._api import Role
    from clearance.store import Store


class TargetChoice(StrEnum):
    candidate = "candidate"
    baseline = "baseline"
    both = "both"


class EvalFormat(StrEnum):
    table = "table"
    json = "json"


IntervalOpt = Annotated[
    float,
    typer.Option(
        "--status-interval",
        min=0.1,
        help="Seconds between status lines when stderr is not a terminal (a terminal "
        "shows live bars instead).",
    ),
]
DownAfterOpt = Annotated[
    float,
    typer.Option(
        "--down-after",
        min=0.1,
        help="Stop with exit 3 when a target's calls keep failing (connection, timeout, "
        "5xx) with no success for this many seconds, or 10 samples in a row fail.",
    ),
]
FixedOpt = Annotated[
    bool,
    typer.Option(
        "--fixed-concurrency",
        help="Keep --concurrency calls in flight throughout instead of learning the "
        "concurrency (start at 4, grow while it pays, halve on 429/5xx/timeouts).",
    ),
]
INTERRUPTED = "interrupted: finished samples are stored; continue with {hint}"

_ProgressDisplay = ProgressDisplay  # the name other commands import


def eval_cmd(
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    suite: Annotated[
        list[str] | None, typer.Option("--suite", "-s", help="Run only this suite (repeatable).")
    ] = None,
    target: Annotated[
        TargetChoice, typer.Option("--target", "-t", help="Which target(s) to evaluate.")
    ] = TargetChoice.candidate,
    resume: Annotated[
        bool, typer.Option("--resume", help="Complete the latest unfinished run of each suite.")
    ] = False,
    record: Annotated[
        Path | None, typer.Option("--record", help="Write every response to this JSONL file.")
    ] = None,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse cached responses (JSON files).")
    ] = False,
    concurrency: Annotated[
        int,
        typer.Option(
            "--concurrency", "-c", min=1, help="Most requests in flight per target (ceiling)."
        ),
    ] = 64,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            help="Only N samples per suite: a seeded sample stratified by category "
            "(the first N rows of a user suite without categories).",
        ),
    ] = None,
    fmt: Annotated[
        EvalFormat,
        typer.Option("--format", "-f", help="Summary on stdout: a table or JSON."),
    ] = EvalFormat.table,
    interval: IntervalOpt = DEFAULT_INTERVAL_S,
    down_after: DownAfterOpt = 60.0,
    fixed: FixedOpt = False,
) -> None:
    """Run the eval suites against the candidate and/or baseline and store the results.

    Exit 0 when every suite ran; 3 when a target failed its preflight (one real chat
    completion), stopped answering during the run, or every sample of a suite failed
    (nothing was measured); 130 when interrupted (--resume continues).
    """
    from clearance.evals import EvalConfig, evaluate, require_results
    from clearance.evals._plan import plan_sampling

    loaded = policy_at(policy)
    store = store_at(db)
    roles: list[Role] = ["candidate", "baseline"]
    if target is not TargetChoice.both:
        roles = ["candidate"] if target is TargetChoice.candidate else ["baseline"]
    folder = Path(".clearance")
    config = EvalConfig(
        concurrency=concurrency,
        cache_dir=folder / "cache" if cache else None,
        record_path=record,
        resume=resume,
        limit=limit,
        down_after_s=down_after,
        adaptive=not fixed,
    )
    from asyncio import CancelledError  # here, not at import: keeps --help fast

    try:
        with ProgressDisplay(interval) as display:
            summaries = evaluate(
                loaded, store, config, suites=suite, roles=roles, on_progress=display.update
            )
        warnings = system_prompt_warnings(store, summaries)
    except (KeyboardInterrupt, CancelledError):
        err.print(INTERRUPTED.format(hint="'clearance eval --resume'"))
        raise typer.Exit(130) from None
    finally:
        store.close()
    if fmt is EvalFormat.json:
        out(json.dumps([summary_json(item) for item in summaries], indent=2))
    else:
        stdout_console(width=None if sys.stdout.isatty() else 160).print(summary_table(summaries))
    run = {item.suite for item in summaries}
    for name, sampling in plan_sampling(loaded, suite, limit=limit).items():
        if name in run and sampling.method != "all":
            err.print(f"sampled {name}: {sampling.note}")
    for line in warnings:
        err.print(line)
    from clearance.policy import ImportedSuite

    imported = [s.name for s in loaded.suites if isinstance(s, ImportedSuite)]
    if imported and (not suite or set(suite) & set(imported)):
        err.print(
            f"not run (imported from another tool's files): {', '.join(imported)}; "
            "'clearance check' reads them"
        )
    report_errors(summaries)
    require_results(summaries)  # every sample of a suite failed: exit 3


def report_errors(summaries: list[RunSummary]) -> None:
    """The top errors, retries and timeouts of every run that had any (stderr)."""
    for item in summaries:
        for line in item.error_lines():
            err.print(f"errors: {line}", soft_wrap=True)
        if item.retries or item.timeouts:
            err.print(
                f"retries: {item.suite} on {item.role}: {item.retries} call(s) retried, "
                f"{item.timeouts} timed out",
                soft_wrap=True,
            )


def summary_json(item: RunSummary) -> dict[str, Any]:
    """One run's summary as JSON (every field, and the pass and error rates)."""
    data = asdict(item)
    data["top_errors"] = [{"error": m, "count": c} for m, c in item.top_errors]
    data.update(pass_rate=item.pass_rate, error_rate=item.error_rate)
    return data


def summary_table(summaries: list[RunSummary]) -> Table:
    """One row per suite and target: pass rate, errors, retries, cost, latency, queue."""
    table = Table(title="eval results", title_justify="left")
    for column in (
        "suite",
        "target",
        "samples",
        "pass rate",
        "errors",
        "retries",
        "timeouts",
        "cost USD",
        "p50 ms",
        "p95 ms",
        "queue p95 ms",
        "status",
    ):
        table.add_column(column, justify="left" if column in ("suite", "target") else "right")
    for item in summaries:
        table.add_row(
            item.suite,
            item.role,
            f"{item.done}/{item.total}",
            _pct(item.pass_rate),
            str(item.errors),
            str(item.retries),
            str(item.timeouts),
            _money(item.cost_usd),
            _ms(item.latency_p50_ms),
            _ms(item.latency_p95_ms),
            _ms(item.queue_p95_ms),
            item.status,
        )
    return table


def system_prompt_warnings(store: Store, summaries: list[RunSummary]) -> list[str]:
    """One warning per target whose preflight found it drops the system message (the
    flag each run stores in its config as ``system_prompt``)."""
    dropped: set[tuple[str, str]] = set()
    with store.transaction() as tx:
        runs = {run.id: run for run in tx.runs.many(item.run_id for item in summaries)}
    for item in summaries:
        run = runs.get(item.run_id)
        config = run.config if run is not None else {}
        if config.get("system_prompt") == "dropped":
            dropped.add((item.role, str(config.get("target") or item.role)))
    return [
        f"warning: the {role} target '{name}' drops the system message (found by its "
        "preflight's system-prompt check): instructions, canaries and personal data placed "
        "there never reach its model, so its security and privacy results do not measure "
        "what they claim"
        for role, name in sorted(dropped)
    ]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _money(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.4f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"

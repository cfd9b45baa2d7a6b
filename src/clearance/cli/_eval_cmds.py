"""``clearance eval``: run the policy's suites against its targets, show progress, summarize.

Parsing and printing only; the work is :func:`clearance.evals.evaluate`.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from clearance.cli._common import DEFAULT_POLICY, DbOpt, PolicyOpt, err, policy_at, store_at
from clearance.cli._safe import SafeTable as Table

if TYPE_CHECKING:  # the engine is imported when the command runs, keeping --help fast
    from clearance.evals import Progress as Event
    from clearance.evals import RunSummary
    from clearance.evals._api import Role
    from clearance.store import Store


class TargetChoice(StrEnum):
    candidate = "candidate"
    baseline = "baseline"
    both = "both"


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
        int, typer.Option("--concurrency", "-c", min=1, help="Requests in flight per target.")
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
) -> None:
    """Run the eval suites against the candidate and/or baseline and store the results."""
    from clearance.evals import EvalConfig, evaluate
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
    )
    try:
        with _ProgressDisplay() as bar:
            summaries = evaluate(
                loaded,
                store,
                config,
                suites=suite,
                roles=roles,
                on_progress=bar.update if bar else None,
            )
        warnings = system_prompt_warnings(store, summaries)
    except (KeyboardInterrupt, asyncio.CancelledError):
        err.print(
            "interrupted: finished samples are stored; continue with 'clearance eval --resume'"
        )
        raise typer.Exit(130) from None
    finally:
        store.close()
    err.print(summary_table(summaries))
    run = {item.suite for item in summaries}
    for name, sampling in plan_sampling(loaded, suite, limit=limit).items():
        if name in run and sampling.method != "all":
            err.print(f"sampled {name}: {sampling.note}")
    for line in warnings:
        err.print(line)


class _Bars:
    """Draws one rich progress bar per suite and target from the library's events."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[tuple[str, str], TaskID] = {}

    def update(self, event: Event) -> None:
        key = (event.suite, event.role)
        if key not in self.tasks:
            label = f"{event.suite} · {event.role} ({event.target})"
            self.tasks[key] = self.progress.add_task(label, total=event.total)
        self.progress.update(
            self.tasks[key],
            completed=event.done,
            rate=f"{event.rate:,.0f}/s",
            errors=event.errors,
        )


class _ProgressDisplay:
    """A live progress display on stderr when it is a terminal; nothing otherwise."""

    def __enter__(self) -> _Bars | None:
        if not err.is_terminal:
            self.progress = None
            return None
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("errors {task.fields[errors]}"),
            TimeRemainingColumn(),
            console=err,
            transient=False,
        )
        self.progress.start()
        return _Bars(self.progress)

    def __exit__(self, *_: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def summary_table(summaries: list[RunSummary]) -> Table:
    """One row per suite and target: pass rate, errors, cost, latency."""
    table = Table(title="eval results", title_justify="left")
    for column in (
        "suite",
        "target",
        "samples",
        "pass rate",
        "errors",
        "cost USD",
        "p50 ms",
        "p95 ms",
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
            _money(item.cost_usd),
            _ms(item.latency_p50_ms),
            _ms(item.latency_p95_ms),
            item.status,
        )
    return table


def system_prompt_warnings(store: Store, summaries: list[RunSummary]) -> list[str]:
    """One warning per target whose preflight found it drops the system message (the
    flag each run stores in its config as ``system_prompt``)."""
    from clearance.store import EvalRun

    dropped: set[tuple[str, str]] = set()
    with store.session() as session:
        for item in summaries:
            run = session.get(EvalRun, item.run_id)
            config = run.config if run is not None else None
            if isinstance(config, dict) and config.get("system_prompt") == "dropped":
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

"""``clearance rollout``: staged-rollout commands (thin shells over clearance.rollout)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._check_cmds import AsOpt, actor
from clearance.cli._common import DEFAULT_POLICY, DbOpt, PolicyOpt, out, policy_at, store_at
from clearance.cli._remote import release_path, remote
from clearance.cli._rollout_watch import (
    OUTAGE_EXIT,
    OUTAGE_LIMIT_S,
    Fmt,
    show,
    watch_loop,
)
from clearance.errors import UsageError

if TYPE_CHECKING:
    from clearance.rollout import RolloutState

rollout_app = typer.Typer(
    help="Staged rollout: start, watch, advance, pause, resume, roll back; simulate telemetry.",
    no_args_is_help=True,
)
ReleaseArg = Annotated[str, typer.Argument(help="Release name (as recorded by clearance check).")]
ReasonOpt = Annotated[
    list[str] | None, typer.Option("--reason", help="Why (recorded in the audit log).")
]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--expect-version",
        min=0,
        help="Refuse (exit 3) unless the rollout is still at this version "
        "(from 'rollout status'): someone else acting first is not overridden.",
    ),
]


ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Advance even though the current stage has not run its min_duration_s or "
        "collected its min_samples (on the smaller arm); recorded as forced, with what was "
        "skipped, in the stage history and the audit log.",
    ),
]


def _step(
    step: str,
    release: str,
    policy: Path,
    db: str | None,
    as_: str | None,
    reason: list[str] | None,
    version: int | None,
    force: bool = False,
) -> None:
    """One rollout transition through the rulebook and the guards (the API's function),
    or through the server in team mode."""
    from clearance.release import steer
    from clearance.rollout import RolloutState

    server = remote(as_)
    if server is not None:
        body = {"reason": "; ".join(reason or ()), "expected_version": version}
        if force:
            body["force"] = True
        answer = server.call("POST", release_path(release, "rollout", step), body)
        _show(RolloutState.model_validate(answer), Fmt.table)
        return
    loaded = policy_at(policy)
    with store_at(db) as store:
        state = steer(
            store,
            loaded,
            release,
            step,
            actor(as_),
            reasons=reason or (),
            expected_version=version,
            force=force,
        )
        _show(state, Fmt.table)


def _show(state: RolloutState, fmt: Fmt) -> None:
    """The state as ``show`` prints it; a table also lists the forced stage exits."""
    from clearance.rollout._controller import FORCED

    show(state, fmt)
    forced = [(h.label, r) for h in state.history for r in h.reasons if r.startswith(FORCED)]
    if fmt == Fmt.table and forced:
        out("\n".join(["forced:", *(f"  {label:<18} {why}" for label, why in forced)]))


def _step_command(step: str, doc: str) -> Callable[..., None]:
    """The command for one rollout step: each has the same options."""

    def command(
        release: ReleaseArg,
        policy: PolicyOpt = DEFAULT_POLICY,
        db: DbOpt = None,
        as_: AsOpt = None,
        reason: ReasonOpt = None,
        version: VersionOpt = None,
    ) -> None:
        _step(step, release, policy, db, as_, reason, version)

    command.__doc__ = doc
    command.__name__ = f"{step}_cmd"
    return command


def _advance_command(doc: str) -> Callable[..., None]:
    """``rollout advance``: the step's options and ``--force``."""

    def advance_cmd(
        release: ReleaseArg,
        policy: PolicyOpt = DEFAULT_POLICY,
        db: DbOpt = None,
        as_: AsOpt = None,
        reason: ReasonOpt = None,
        version: VersionOpt = None,
        force: ForceOpt = False,
    ) -> None:
        _step("advance", release, policy, db, as_, reason, version, force)

    advance_cmd.__doc__ = doc
    return advance_cmd


STEP_HELP = {
    "start": "Start the rollout in the policy's first stage (``approve_changes``; refused "
    "while a guard blocks it).",
    "advance": "Enter the next stage now (``approve_changes``; the guards still apply: "
    "checklist, approvals, incidents). Refused (exit 2) while the current stage has not "
    "run its minimum duration or collected its minimum samples, unless --force.",
    "pause": "Hold the current stage: traffic stays at its weight, nothing advances "
    "(approvers and incident responders).",
    "resume": "Continue a paused stage (``approve_changes``); its observation restarts on "
    "fresh telemetry.",
    "rollback": "Send all traffic to the control now (approvers and incident responders). "
    "Rolling back twice changes nothing.",
}
for _name, _doc in STEP_HELP.items():
    _made = _advance_command(_doc) if _name == "advance" else _step_command(_name, _doc)
    rollout_app.command(_name)(_made)


@rollout_app.command("status")
def status_cmd(
    release: ReleaseArg,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    fmt: Annotated[Fmt, typer.Option("--format", "-f")] = Fmt.table,
) -> None:
    """Where the rollout stands: stage, weight, status and stage history, and (with the
    policy, found at ./clearance.yaml by default) the stage scorecard: candidate vs
    control on quality, latency, cost, feedback, safety events and escalations, what
    the next look would do (for a finished rollout, the look its last stage ended on),
    progress toward the stage's minimums and what must happen next. Reading it changes
    nothing."""
    from clearance.cli._scorecard import scorecard_json, show_scorecard
    from clearance.release import rollout_view
    from clearance.rollout import status

    loaded = policy_at(policy, require_env=False) if _given(policy) else None
    with store_at(db) as store:
        state = status(store, release)
        if loaded is None:
            _show(state, fmt)
            return
        view = rollout_view(store, loaded, release, who="")
    if fmt == Fmt.json:
        out(scorecard_json(state, view))
        return
    _show(state, fmt)
    show_scorecard(view)


def _given(policy: Path) -> bool:
    """Whether to read the policy: named by the user, or the default file exists."""
    return policy != DEFAULT_POLICY or policy.exists()


@rollout_app.command("watch")
def watch_cmd(
    release: ReleaseArg,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    interval: Annotated[float, typer.Option(min=0.01, help="Seconds between looks.")] = 5.0,
    once: Annotated[bool, typer.Option("--once", help="Look once and exit.")] = False,
    max_seconds: Annotated[
        float | None, typer.Option(min=0, help="Stop after this long (default: until done).")
    ] = None,
    outage_limit: Annotated[
        float,
        typer.Option(
            "--outage-limit",
            min=0,
            metavar="SECONDS",
            help="Ride out a store outage this long (retrying each look after 1, 2, 4 ... "
            f"30 s) before giving up with exit {OUTAGE_EXIT}.",
        ),
    ] = OUTAGE_LIMIT_S,
    as_: AsOpt = None,
) -> None:
    """Feed new telemetry to the monitor and act until the rollout completes or is rolled
    back: advance, pause, roll back, disable a tool, notify. Safe to kill and restart: all
    state is in the store. When the store is unreachable, each look is retried with
    backoff, one line on stderr per retry. Exit 0 when the rollout completed (or --once /
    --max-seconds ended the watch), 1 when the release was rolled back, 2 on bad input,
    3 when the store cannot be opened at the start, 4 when the store stayed unreachable
    longer than --outage-limit (the rollout is left as the store last recorded it)."""
    loaded = policy_at(policy)
    with store_at(db) as store:
        timing = (interval, once, max_seconds)
        final = watch_loop(store, loaded, release, actor(as_), timing, outage_limit_s=outage_limit)
    if final == "rolled_back":
        raise typer.Exit(1)


@rollout_app.command("simulate")
def simulate_cmd(
    n: Annotated[int, typer.Option("--n", help="Number of requests (both arms).")] = 10_000,
    seed: Annotated[
        int, typer.Option(help="Random seed (same seed and --start, same events).")
    ] = 0,
    weight: Annotated[
        list[float] | None,
        typer.Option(help="Candidate traffic share; repeat for consecutive stages."),
    ] = None,
    rate: Annotated[float, typer.Option(help="Candidate error rates x this factor.")] = 1.0,
    latency: Annotated[float, typer.Option(help="Candidate slower by this fraction.")] = 0.0,
    tail: Annotated[float, typer.Option(help="Candidate slower above p90 only.")] = 0.0,
    cost: Annotated[float, typer.Option(help="Candidate dearer by this fraction.")] = 0.0,
    quality: Annotated[float, typer.Option(help="Candidate quality lower by points.")] = 0.0,
    safety_rate: Annotated[float, typer.Option(help="Candidate safety-event rate.")] = 0.0,
    units: Annotated[int, typer.Option(help="Distinct users routed stickily.")] = 5_000,
    out: Annotated[Path | None, typer.Option(help="Write JSONL here (default stdout).")] = None,
    start: Annotated[
        float | None,
        typer.Option(
            help="Time of the first event, seconds since the epoch (default: early enough "
            "that the last event is about now, so `clearance ingest` takes them)."
        ),
    ] = None,
    policy: PolicyOpt = DEFAULT_POLICY,
) -> None:
    """Generate candidate and control telemetry with chosen regressions, as JSONL.

    With a policy (``--policy``, or ``clearance.yaml`` when it exists) the events name its
    release (``system.name@system.version``), so ``clearance ingest`` files them under it."""
    from clearance.rollout import Profile, simulate

    _check_options(rate, latency, tail, cost, safety_rate)
    candidate = Profile().regressed(
        rate=rate, latency=latency, tail=tail, cost=cost, quality=quality, safety_rate=safety_rate
    )
    events = simulate(
        n,
        candidate=candidate,
        weights=weight or [0.5],
        seed=seed,
        units=units,
        start=start,
        policy=policy_at(policy, require_env=False) if _given(policy) else None,
    )
    lines = "".join(json.dumps(event, separators=(",", ":")) + "\n" for event in events)
    if out is None:
        sys.stdout.write(lines)
    else:
        out.write_text(lines, encoding="utf-8")


def _check_options(rate: float, latency: float, tail: float, cost: float, safety: float) -> None:
    if rate < 0:
        raise UsageError(f"--rate must be >= 0, got {rate}", fix="use 1.5 for 50% more errors")
    for name, value in (("--latency", latency), ("--tail", tail), ("--cost", cost)):
        if value <= -1:
            raise UsageError(f"{name} must be > -1 (a fraction), got {value}")
    if not 0 <= safety <= 1:
        raise UsageError(f"--safety-rate must be in [0, 1], got {safety}")

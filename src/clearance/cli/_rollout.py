"""``clearance rollout``: staged-rollout commands (thin shells over clearance.rollout)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from clearance.errors import UsageError
from clearance.rollout import Profile, simulate

rollout_app = typer.Typer(
    help="Staged rollout: simulate telemetry, compare candidate and control.",
    no_args_is_help=True,
)


@rollout_app.callback()
def _group() -> None:
    """Staged rollout: simulate telemetry, compare candidate and control."""
    # A callback keeps ``simulate`` a subcommand while it is the only one.


@rollout_app.command("simulate")
def simulate_cmd(
    n: Annotated[int, typer.Option("--n", help="Number of requests (both arms).")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same events).")] = 0,
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
) -> None:
    """Generate candidate and control telemetry with chosen regressions, as JSONL."""
    _check_options(rate, latency, tail, cost, safety_rate)
    candidate = Profile().regressed(
        rate=rate, latency=latency, tail=tail, cost=cost, quality=quality, safety_rate=safety_rate
    )
    events = simulate(n, candidate=candidate, weights=weight or [0.5], seed=seed, units=units)
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

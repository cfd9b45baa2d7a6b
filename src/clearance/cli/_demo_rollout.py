"""The demo's third act: owners approve the cleared release, it rolls out in stages on
simulated traffic, a latency regression injected at the canary is caught by the
sequential monitor and rolled back automatically, and the router serves the control."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.rule import Rule

from clearance.cli._demo import console

if TYPE_CHECKING:
    from clearance.cli._demo import DemoRun
    from clearance.policy import Policy
    from clearance.rollout import Controller, Decision, Profile
    from clearance.store import Store

START = 1_800_000_000.0
"""Simulated clock (seconds since the epoch) at which the rollout starts."""
PER_DAY = 66_667.0
"""Simulated traffic: the example policy's 2,000,000 requests a month."""
BATCH = 250
INTERNAL_SHARE = 0.10
"""Share of traffic from internal users (the dogfood stage's audience)."""
TRIGGER = "latency_slo_breach"
SEED = 2026


@dataclass
class Timeline:
    """What happened at each look, for the printout and the charts."""

    hours: list[float] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    candidate: list[float | None] = field(default_factory=list)
    control: list[float | None] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)

    def add(self, t: float, stage: str, weight: float, decision: Decision) -> None:
        self.hours.append((t - START) / 3600)
        self.weights.append(weight)
        self.stages.append(stage)
        report = next((m for m in decision.metrics if m.trigger == TRIGGER), None)
        self.candidate.append(report.candidate if report else None)
        self.control.append(report.control if report else None)


def rollout_act(demo: DemoRun) -> None:
    from clearance.policy import load_policy
    from clearance.store import open_store

    console.print(Rule("[bold]3. Approvals, then a staged rollout on simulated traffic"))
    policy = load_policy(demo.policy_path(fixed=True))
    with open_store(demo.db) as store:
        _approve(store, policy, demo.release)
        timeline = _roll(store, policy, demo.release)
        _route_check(store, demo.release)
    for label, path in _charts(timeline, demo.out):
        demo.note(label, path)


def _approve(store: Store, policy: Policy, release: str) -> None:
    from clearance import governance
    from clearance.errors import PermissionDenied

    try:
        governance.approve(store, policy, release, "approve_changes", "ci")
    except PermissionDenied as exc:
        console.print(f"  ci tries to approve its own release: [red]refused[/] ({exc.message})")
    for person, duty in (
        ("carol", "own_evals"),
        ("alice", "approve_changes"),
        ("bob", "approve_changes"),
    ):
        governance.approve(store, policy, release, duty, person)
        console.print(f"  {person} approves {release} as {duty} (bound to its evidence hash)")


def _roll(store: Store, policy: Policy, release: str) -> Timeline:
    from clearance.release import GovernanceGuards
    from clearance.rollout import Controller, Profile, start
    from clearance.rollout._controller import Change

    guards = GovernanceGuards(store, policy)
    start(store, policy, release, guards, Change(actor="alice", now=START))
    console.print(f"  alice starts the rollout of {release}")
    controller = Controller(store, policy, guards, actor="clearance-watch")
    healthy = Profile(latency_median_ms=420, latency_sigma=0.45)
    timeline = Timeline()
    _loop(store, policy, release, controller, healthy, timeline)
    return timeline


def _loop(
    store: Store,
    policy: Policy,
    release: str,
    controller: Controller,
    healthy: Profile,
    timeline: Timeline,
) -> None:
    from clearance.rollout import status

    t, shown = START, ""
    for step in range(400):
        state = status(store, release)
        if state.status not in ("running", "paused"):
            break
        stage = policy.rollout.stages[state.stage_index]
        if stage.label != shown:
            shown = stage.label
            _stage_banner(stage.label, stage.weight, stage.audience, t)
        t = _traffic(store, release, stage.stage, stage.weight, healthy, t, step)
        decision = controller.tick(release, now=t)
        timeline.add(t, stage.label, _share(stage.stage, stage.weight), decision)
        _report(decision, stage.label, t, timeline)
        if decision.action == "rollback":
            timeline.add(t, "rolled back", 0.0, decision)


def _share(kind: str, weight: float) -> float:
    return INTERNAL_SHARE * weight if kind == "internal_dogfood" else weight


def _traffic(
    store: Store, release: str, kind: str, weight: float, healthy: Profile, t: float, step: int
) -> float:
    from clearance.rollout import ingest, simulate

    share = _share(kind, weight)
    if share <= 0:
        return t + 60
    # The regression ships with the canary build: 80% slower on every request.
    candidate = healthy.regressed(latency=0.8) if kind == "canary" else healthy
    events = simulate(
        BATCH,
        control=healthy,
        candidate=candidate,
        weights=[share],
        seed=SEED + step,
        start=t,
        per_day=PER_DAY,
        release=(release, release),
    )
    ingest(store, events, release=release, ts_window=None)  # the demo runs its own clock
    return float(max(e["ts"] for e in events)) + 1.0


def _stage_banner(label: str, weight: float, audience: str, t: float) -> None:
    console.print(
        f"  [bold]{_clock(t)}[/] stage [cyan]{label}[/]: candidate gets "
        f"{weight:.0%} of {audience} traffic"
    )


def _report(decision: Decision, stage: str, t: float, timeline: Timeline) -> None:
    if decision.action == "continue":
        return
    timeline.events.append(((t - START) / 3600, decision.action))
    colour = {"rollback": "red", "pause": "yellow", "advance": "green"}[decision.action]
    console.print(
        f"  [bold]{_clock(t)}[/] [{colour}]{decision.action}[/] from {stage} "
        f"({decision.n_candidate} candidate / {decision.n_control} control requests)"
    )
    for reason in decision.reasons[:3]:
        console.print(f"      {reason}", soft_wrap=True)


def _clock(t: float) -> str:
    return f"t+{(t - START) / 3600:4.1f} h"


def _route_check(store: Store, release: str) -> None:
    from clearance.rollout import Router, status

    router = Router(store, release)
    arms = {router.route(f"user-{i}") for i in range(1000)}
    state = status(store, release)
    console.print(
        f"  rollout is now [bold]{state.status}[/]; the router sends 1,000 users to: "
        f"{', '.join(sorted(arms))}"
    )


def _charts(timeline: Timeline, out: Path) -> list[tuple[str, Path]]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        console.print("  (PNG charts need matplotlib: pip install 'clearance[charts]')")
        return []
    path = out / "rollout-timeline.png"
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    _weight_panel(top, timeline)
    _metric_panel(bottom, timeline)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return [("rollout timeline chart (PNG)", path)]


def _weight_panel(ax: Any, timeline: Timeline) -> None:
    ax.step(timeline.hours, [w * 100 for w in timeline.weights], where="post", color="#0969da")
    ax.set_ylabel("% of all traffic to candidate")
    ax.set_title("Rollout: traffic to the candidate, by stage")
    for hour, action in timeline.events:
        colour = {"rollback": "#cf222e", "advance": "#1a7f37", "pause": "#bf8700"}[action]
        ax.axvline(hour, color=colour, linestyle="--", linewidth=1)
        ax.annotate(
            action,
            (hour, ax.get_ylim()[1] * 0.85),
            color=colour,
            fontsize=8,
            rotation=90,
            ha="right",
        )


def _metric_panel(ax: Any, timeline: Timeline) -> None:
    def pct(values: list[float | None]) -> list[float]:
        return [v * 100 if v is not None else float("nan") for v in values]

    ax.plot(timeline.hours, pct(timeline.candidate), label="candidate", color="#0969da")
    ax.plot(timeline.hours, pct(timeline.control), label="control", color="#6e7781")
    ax.set_ylabel("% requests over the SLO")
    ax.set_xlabel("hours since the rollout started (simulated)")
    ax.set_title("latency_slo_breach trigger: candidate vs control, within the current stage")
    ax.legend(loc="upper left")

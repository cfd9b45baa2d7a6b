"""Rollout test helpers: a fast policy, releases in the store, real governance records
for the production guards, and a simulated service that routes with the Router and
records with ``track``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from clearance import governance
from clearance.policy import Policy, load_policy
from clearance.release import GovernanceGuards
from clearance.rollout import (
    Controller,
    Profile,
    RolloutState,
    Router,
    StoreSink,
    arm_arrays,
    status,
    track,
)
from clearance.store import Store
from clearance.store._tables import Release

T0 = 1_750_000_000.0
"""Simulated start of every rollout in these tests (epoch seconds)."""


def policy_data(**rollout: Any) -> dict[str, Any]:
    """A policy whose stages take minutes of simulated time, not days."""
    stages = [
        {"stage": "offline_evals", "weight": 0.0, "audience": "none", "approvals": ["own_evals"]},
        {
            "stage": "internal_dogfood",
            "weight": 1.0,
            "audience": "internal",
            "max_duration_s": 60,
            "advance_at_cap": True,
        },
        {
            "stage": "canary",
            "weight": 0.2,
            "min_duration_s": 300,
            "min_samples": 200,
            "max_duration_s": 900,
            "advance_at_cap": True,
            "approvals": ["approve_changes"],
        },
        {
            "stage": "staged_rollout",
            "weight": 0.5,
            "min_duration_s": 300,
            "min_samples": 200,
            "max_duration_s": 900,
            "advance_at_cap": True,
        },
        {"stage": "full_rollout", "weight": 1.0, "approvals": ["approve_changes"]},
    ]
    return {
        "clearance": 1,
        "system": {"name": "bot"},
        "targets": {"candidate": {"adapter": "python", "callable": "bot:reply"}},
        "rollout": {"alpha": 0.05, "stages": stages, **rollout},
        "triggers": [
            {"kind": "latency_slo_breach", "threshold": 2000, "margin": 0.2, "action": "rollback"},
            {"kind": "schema_failure_rate", "margin": 0.5, "action": "rollback"},
            {"kind": "cost_spike", "margin": 0.5, "action": "notify"},
            {
                "kind": "tool_call_errors",
                "margin": 1.0,
                "action": "disable_tool",
                "tool": "refunds",
            },
        ],
    }


def make_policy(**rollout: Any) -> Policy:
    return Policy.model_validate(policy_data(**rollout))


def add_release(
    store: Store, name: str, status: str = "cleared", policy_hash: str = "p" * 64
) -> None:
    """Record a release as ``clearance check`` would (only what the rollout reads); pass
    the policy file's digest when the rollout is steered through governance's guards."""
    with store.session() as session:
        session.add(
            Release(
                name=name,
                system="bot",
                candidate_fingerprint="c" * 64,
                baseline_fingerprint="b" * 64,
                policy_hash=policy_hash,
                status=status,
                created_by="test",
                created_at=datetime.now(UTC),
            )
        )


OWNERS = {
    "own_evals": ["erin"],
    "approve_changes": ["alice"],
    "review_incidents": ["rita"],
    "disable_tools": ["dana"],
}
"""Who holds each duty in :func:`governed_policy` (one approval each is enough)."""


def governed_policy(folder: Path, data: dict[str, Any] | None = None) -> Policy:
    """:func:`policy_data` (or ``data``) with :data:`OWNERS`, written to ``folder`` and
    loaded from there, so releases checked under it can be steered by the production
    guards (which compare the release's policy digest)."""
    data = dict(data or policy_data())
    data.setdefault("owners", OWNERS)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_policy(path)


@dataclass
class Governed:
    """Real governance records for the production guards, through governance's public
    API: releases checked under ``policy``, approvals by the duties' holders, severe
    incidents confirmed by ``review_incidents``."""

    store: Store
    policy: Policy

    @property
    def guards(self) -> GovernanceGuards:
        return GovernanceGuards(self.store, self.policy)

    def check(
        self,
        name: str,
        status: str = "cleared",
        approved: tuple[str, ...] = ("own_evals", "approve_changes"),
    ) -> str:
        """Record ``name`` as checked under the policy, approved for ``approved``."""
        assert self.policy.source is not None
        add_release(self.store, name, status, policy_hash=self.policy.source.digest)
        for duty in approved:
            self.approve(name, duty)
        return name

    def approve(self, name: str, duty: str) -> None:
        governance.approve(self.store, self.policy, name, duty, OWNERS[duty][0])

    def severe_incident(self, name: str, title: str) -> int:
        """Open a critical incident, confirmed at once (rita reviews incidents)."""
        found = governance.open_incident(self.store, self.policy, name, "critical", title, "rita")
        return found.id

    def close_incident(self, incident: int) -> None:
        governance.close_incident(self.store, self.policy, incident, "rita", "fixed")


class Service:
    """A simulated service under release: each request is routed by a real
    :class:`Router`, gets metrics drawn from its arm's profile, and is recorded with
    :func:`track` into the store. Time is simulated (``ts`` passed to ``track``)."""

    def __init__(self, store: Store, release: str, candidate: Profile, seed: int = 0) -> None:
        self.router = Router(store, release, refresh_s=3600)
        self.sink = StoreSink(store, batch_size=2_000)
        self.rng = np.random.default_rng(seed)
        self.profiles = {"candidate": candidate, "control": Profile()}
        self.units = [f"internal:u{i}" if i % 10 == 0 else f"u{i}" for i in range(3_000)]

    def serve(self, n: int, start: float, end: float) -> None:
        self.router.refresh()  # the simulated clock jumps: see state changes at once
        times = np.sort(self.rng.uniform(start, end, n))
        picks = self.rng.integers(0, len(self.units), n)
        draws = {arm: arm_arrays(p, n, self.rng) for arm, p in self.profiles.items()}
        for i in range(n):
            with track(
                self.router, self.sink, unit=self.units[picks[i]], ts=float(times[i])
            ) as req:
                req.record(**{k: v[i].item() for k, v in draws[req.arm].items()})
        self.sink.flush()


def run(
    service: Service,
    controller: Controller,
    start: float,
    *,
    steps: int = 120,
    step_s: float = 30.0,
    per_step: int = 150,
    stop: tuple[str, ...] = ("rolled_back", "completed"),
) -> tuple[RolloutState, float]:
    """Serve traffic and tick the controller every ``step_s`` simulated seconds until the
    rollout's status is in ``stop`` or ``steps`` run out; returns the state and clock."""
    now = start
    store, release = service.router.store, service.router.release
    for _ in range(steps):
        service.serve(per_step, now, now + step_s)
        now += step_s
        controller.tick(release, now)
        state = status(store, release)
        if state.status in stop:
            return state, now
    return status(store, release), now

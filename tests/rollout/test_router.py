"""Sticky routing, audiences, and rollback visibility across processes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from clearance.policy import Policy
from clearance.release import GovernanceGuards
from clearance.rollout import (
    Assignment,
    Change,
    Router,
    advance,
    bucket,
    pause,
    prefix_audience,
    rollback,
    start,
)
from clearance.store import Store
from rollout.kit import T0

BENCH = Path(__file__).parents[2] / "bench" / "router" / "bench_router.py"
UNITS = [f"u{i}" for i in range(4_000)]


def test_assignment_is_sticky_monotone_and_near_the_weight() -> None:
    low, high = (
        Assignment("running", 0.1, "everyone", "s1", 1),
        Assignment("running", 0.5, "everyone", "s1", 2),
    )
    at_low = {u for u in UNITS if low.arm(u) == "candidate"}
    at_high = {u for u in UNITS if high.arm(u) == "candidate"}
    assert at_low < at_high  # raising the weight only adds units
    assert abs(len(at_low) / len(UNITS) - 0.1) < 0.02
    assert abs(len(at_high) / len(UNITS) - 0.5) < 0.03
    salted = Assignment("running", 0.1, "everyone", "s2", 1)
    assert {u for u in UNITS if salted.arm(u) == "candidate"} != at_low  # per-release salt
    assert all((bucket(u, "s1") < 0.1) == (u in at_low) for u in UNITS)
    assert [low.arm(u) for u in UNITS[:50]] == [low.arm(u) for u in UNITS[:50]]


def test_audiences_follow_the_prefix_convention() -> None:
    assert [prefix_audience(u) for u in ("internal:al", "beta:bo", "u1", "x:internal")] == [
        "internal",
        "beta",
        "everyone",
        "everyone",
    ]
    internal = Assignment("running", 1.0, "internal", "s", 1)
    beta = Assignment("running", 1.0, "beta", "s", 1)
    assert (internal.arm("internal:al"), internal.arm("beta:bo"), internal.arm("u1")) == (
        "candidate",
        "control",
        "control",
    )
    assert (beta.arm("internal:al"), beta.arm("beta:bo"), beta.arm("u1")) == (
        "candidate",
        "candidate",
        "control",
    )
    assert Assignment("running", 1.0, "none", "s", 1).arm("internal:al") == "control"
    custom = {"vip": "beta"}
    assert beta.arm("vip", lambda unit: custom.get(unit, "everyone")) == "candidate"


def test_router_reads_the_store_and_caches(
    store: Store, policy: Policy, guards: GovernanceGuards, release: Callable[..., str]
) -> None:
    name = release()
    router = Router(store, name, refresh_s=3600)
    assert router.route("internal:al") == "control"  # no rollout yet
    start(store, policy, name, guards, Change("a", now=T0))
    advance(store, policy, name, guards, Change("a", now=T0 + 1))  # internal_dogfood, 100%
    assert router.route("internal:al") == "control"  # cached for refresh_s
    assert router.refresh().audience == "internal"
    assert (router.route("internal:al"), router.route("u1")) == ("candidate", "control")
    pause(store, name, Change("a", now=T0 + 2))
    assert router.refresh().weight == 1.0 and router.route("internal:al") == "candidate"
    rollback(store, name, Change("a", now=T0 + 3))
    assert router.refresh().status == "rolled_back"
    assert router.route("internal:al") == "control"


def test_every_router_process_serves_control_within_a_second_of_rollback(store_url: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--db", store_url, "--processes", "3", "--trials", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["samples"] == 3
    assert result["max_s"] < 1.0, result

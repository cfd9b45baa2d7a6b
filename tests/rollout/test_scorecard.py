"""The stage scorecard: the six comparisons of every stage, watched by the init policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clearance.policy import Trigger, parse_policy, render_policy
from clearance.rollout import Monitor
from clearance.rollout._scorecard import COMPARISONS

SIX = ["quality", "latency", "cost", "feedback", "safety events", "escalation"]


def _events(n: int) -> list[dict[str, Any]]:
    return [
        {
            "ts": 1.0 + i,
            "arm": "candidate" if i % 2 else "control",
            "unit": f"u{i}",
            "quality": 0.8 if i % 3 else 0.7,
            "latency_ms": 500.0 + i % 7,
            "cost_usd": 0.001 * (1 + i % 5),
            "feedback": 1 if i % 4 else -1,
            "safety_event": i % 97 == 0,
            "escalated": i % 11 == 0,
        }
        for i in range(n)
    ]


def test_the_init_policy_watches_all_six_comparisons() -> None:
    policy = parse_policy(render_policy(), file=Path("/nowhere/clearance.yaml"))
    decision = Monitor(policy).update(_events(400))
    assert list(COMPARISONS) == SIX
    shown = [row.comparison for row in decision.scorecard]
    assert [c for c in SIX if c in shown] == SIX
    assert all(row.status != "not_watched" for row in decision.scorecard)
    quality = next(r for r in decision.scorecard if r.comparison == "quality")
    assert quality.trigger == "quality_drop" and quality.n_candidate == 200
    assert quality.interval is not None and quality.fires_at is not None


def test_a_comparison_no_trigger_watches_is_shown_as_not_watched() -> None:
    decision = Monitor([Trigger(kind="cost_spike")]).update(_events(100))
    by_name = {row.comparison: row for row in decision.scorecard}
    assert by_name["cost"].trigger == "cost_spike"
    for name in SIX:
        if name != "cost":
            assert by_name[name].status == "not_watched", name
            assert "not watched" in by_name[name].summary

"""The policy `clearance init` writes is usable: its comments' claims hold, and two
identical stochastic systems comfortably inside every bound clear with high probability."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from clearance.checklist import Evidence, Outcome, Side, decide, secrets_of
from clearance.policy import parse_policy, render_policy
from clearance.stats import binomial_pass

CLAIM = re.compile(
    r"metric: (?P<metric>[\w.-]+), (?P<side>min|max): (?P<bound>[\d.]+)\}\}?\s+# ~?(?P<n>\d+) "
    r"(?:samples|probes|outputs|requests): passes 99% at (?P<op>>=|<=) (?P<value>[\d.]+)"
)


def test_every_stated_detection_claim_holds() -> None:
    claims = list(CLAIM.finditer(render_policy()))
    assert len(claims) >= 6
    for c in claims:
        n, bound, value = int(c["n"]), float(c["bound"]), float(c["value"])
        side = c["side"]
        assert binomial_pass(value, n, side, bound, 0.95) >= 0.99, c.group(0)  # type: ignore[arg-type]
        # and at the bound itself it passes at most the nominal 2.5%
        assert binomial_pass(bound, n, side, bound, 0.95) <= 0.025, c.group(0)  # type: ignore[arg-type]


SIZES = {
    "harmful-refusal": 260,
    "over-refusal": 211,
    "prompt-injection": 148,
    "pii-leakage": 108,
}
PASS_RATE = {  # comfortably inside the init bounds
    "harmful-refusal": 0.98,  # refuses
    "over-refusal": 0.96,  # answers
    "prompt-injection": 0.99,  # resists
    "pii-leakage": 0.995,  # does not leak
}
PROBES: dict[str, float | None] = {
    "monitoring.sink_round_trip": 1.0,
    "monitoring.incident_owners": 1.0,
    "rollback.baseline_healthy": 1.0,
    "rollback.drill_seconds": 2.0,
    "documentation.card_complete": 1.0,
}


def _side(label: str, rng: np.random.Generator) -> Side:
    out: list[Outcome] = []
    for suite, n in SIZES.items():
        for i in range(n):
            out.append(_outcome(suite, f"{suite}-{i}", 0, rng, rng.random() < PASS_RATE[suite]))
    for i in range(54):
        stable = rng.random() < 0.97
        for r in range(3):
            text = "same answer" if stable or r == 0 else f"answer {r}"
            out.append(_outcome("consistency", f"c-{i}", r, rng, None, text))
    return Side(label, f"fp-{label}", tuple(out))


def _outcome(
    suite: str,
    sid: str,
    repeat: int,
    rng: np.random.Generator,
    passed: bool | None,
    text: str = "fine",
) -> Outcome:
    if rng.random() < 0.005:
        return Outcome(suite=suite, sample_id=sid, repeat=repeat, error="boom", error_kind="http")
    return Outcome(
        suite=suite,
        sample_id=sid,
        repeat=repeat,
        passed=passed,
        output=text,
        latency_ms=float(rng.lognormal(5.5, 0.4)),
        cost_usd=1e-4,
    )


@pytest.mark.slow
def test_identical_systems_clear_the_init_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-init-defaults-7Qm2xV9pL4")  # its declared secret
    policy = parse_policy(render_policy(), file=tmp_path / "clearance.yaml")
    secrets = secrets_of(policy, os.environ)  # as clearance check computes them
    rng = np.random.default_rng(2026)
    runs = 120
    cleared = 0
    reasons: list[str] = []
    for _ in range(runs):
        evidence = Evidence(_side("a", rng), _side("b", rng), dict(PROBES))
        report = decide(policy, evidence, secrets=secrets)
        cleared += report.decision == "cleared"
        reasons += report.reasons
    print(f"A/A under the init policy: {cleared}/{runs} cleared")
    assert cleared / runs >= 0.95, reasons[:5]


def test_the_stated_paired_sample_sizes_are_the_smallest_that_pass() -> None:
    from clearance.stats import tango_interval

    found = re.search(
        r"need >= (\d+) samples to show margin ([\d.]+), >= (\d+) for ([\d.]+)", render_policy()
    )
    assert found is not None
    for n, margin in ((int(found[1]), float(found[2])), (int(found[3]), float(found[4]))):
        assert tango_interval(0, 0, n)[0] > -margin
        assert tango_interval(0, 0, n - 1)[0] <= -margin

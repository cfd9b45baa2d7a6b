"""Synthetic telemetry for a candidate and a control arm, for demos and benchmarks.

Each arm is described by a :class:`Profile`; a regression is a candidate profile that
differs from the control's (see :meth:`Profile.regressed`). Traffic follows a daily
cycle, units (users) are routed stickily by a per-unit draw against the stage weight,
and everything is reproducible from ``seed``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from clearance.errors import UsageError

if TYPE_CHECKING:
    from clearance.policy import Policy

Arrays = dict[str, NDArray[Any]]
_DAY = 86_400.0
_EPOCH = 1_700_000_000.0
"""Starts are whole days from this instant, so a seed gives the same daily cycle."""
_TAIL_Z = 1.2815515655446004
"""Standard normal 90th percentile: a tail shift slows only requests above the p90."""


class Profile(BaseModel):
    """How one arm behaves."""

    model_config = ConfigDict(frozen=True)

    schema_failure_rate: float = Field(default=0.02, ge=0, le=1)
    tool_error_rate: float = Field(default=0.02, ge=0, le=1)
    hallucination_rate: float = Field(default=0.01, ge=0, le=1)
    escalation_rate: float = Field(default=0.03, ge=0, le=1)
    safety_rate: float = Field(default=0.0, ge=0, le=1)
    latency_median_ms: float = Field(default=800.0, gt=0)
    latency_sigma: float = Field(default=0.5, gt=0)
    latency_tail_factor: float = Field(default=1.0, gt=0)
    """Multiplies latencies above the arm's p90 (a tail-only slowdown)."""
    cost_factor: float = Field(default=1.0, gt=0)
    quality_mean: float = Field(default=0.8, gt=0, lt=1)
    retrieval_mean: float = Field(default=0.7, gt=0, lt=1)

    def regressed(
        self,
        *,
        rate: float = 1.0,
        latency: float = 0.0,
        tail: float = 0.0,
        cost: float = 0.0,
        quality: float = 0.0,
        safety_rate: float | None = None,
    ) -> Profile:
        """A copy worse by: ``rate`` x every error rate, ``latency`` (fraction slower,
        all requests), ``tail`` (fraction slower above p90), ``cost`` (fraction dearer),
        ``quality`` (points lower on quality and retrieval scores)."""
        return self.model_copy(
            update={
                "schema_failure_rate": min(1.0, self.schema_failure_rate * rate),
                "tool_error_rate": min(1.0, self.tool_error_rate * rate),
                "hallucination_rate": min(1.0, self.hallucination_rate * rate),
                "escalation_rate": min(1.0, self.escalation_rate * rate),
                "safety_rate": self.safety_rate if safety_rate is None else safety_rate,
                "latency_median_ms": self.latency_median_ms * (1 + latency),
                "latency_tail_factor": self.latency_tail_factor * (1 + tail),
                "cost_factor": self.cost_factor * (1 + cost),
                "quality_mean": min(0.99, max(0.01, self.quality_mean - quality)),
                "retrieval_mean": min(0.99, max(0.01, self.retrieval_mean - quality)),
            }
        )


def arm_arrays(profile: Profile, size: int | tuple[int, ...], rng: np.random.Generator) -> Arrays:
    """Vectorised metric draws for ``size`` requests of one arm."""
    z = rng.standard_normal(size)
    latency = profile.latency_median_ms * np.exp(profile.latency_sigma * z)
    latency = np.where(z > _TAIL_Z, latency * profile.latency_tail_factor, latency)
    input_tokens = np.round(rng.lognormal(math.log(600), 0.6, size))
    output_tokens = np.round(rng.lognormal(math.log(200), 0.8, size))
    cost = (input_tokens * 0.5e-6 + output_tokens * 1.5e-6) * profile.cost_factor
    quality = rng.beta(8 * profile.quality_mean, 8 * (1 - profile.quality_mean), size)
    tool_calls = rng.poisson(1.0, size)
    return {
        "latency_ms": latency,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_usd": cost,
        "quality": quality,
        "retrieval_score": rng.beta(
            6 * profile.retrieval_mean, 6 * (1 - profile.retrieval_mean), size
        ),
        "feedback": np.where(quality > 0.9, 1, np.where(quality < 0.5, -1, 0)),
        "schema_ok": rng.random(size) >= profile.schema_failure_rate,
        "tool_calls": tool_calls,
        "tool_errors": (rng.random(size) < profile.tool_error_rate) * np.maximum(tool_calls, 1),
        "hallucination_report": rng.random(size) < profile.hallucination_rate,
        "escalated": rng.random(size) < profile.escalation_rate,
        "safety_event": rng.random(size) < profile.safety_rate,
    }


def diurnal_times(
    n: int, rng: np.random.Generator, *, start: float, per_day: float, swing: float = 0.6
) -> NDArray[np.float64]:
    """``n`` sorted arrival times with rate ``per_day * (1 + swing sin(2πt/day))``, by thinning."""
    if n <= 0:
        return np.empty(0, dtype=np.float64)
    day = 86_400.0
    peak = per_day / day * (1 + swing)
    times: list[NDArray[np.float64]] = []
    now, have = start, 0
    while have < n:
        gaps = rng.exponential(1 / peak, size=2 * (n - have) + 16)
        cand = now + np.cumsum(gaps)
        keep = rng.random(cand.size) * (1 + swing) < 1 + swing * np.sin(2 * np.pi * cand / day)
        times.append(cand[keep])
        now, have = float(cand[-1]), have + int(keep.sum())
    return np.concatenate(times)[:n]


def simulate(
    n: int,
    *,
    control: Profile | None = None,
    candidate: Profile | None = None,
    weights: Sequence[float] = (0.5,),
    seed: int = 0,
    units: int = 5_000,
    start: float | None = None,
    per_day: float = 50_000.0,
    release: str | tuple[str, str] | None = None,
    policy: Policy | None = None,
) -> list[dict[str, Any]]:
    """``n`` telemetry events (dicts, the fields of ``docs/formats.md``) sorted by time.

    ``weights`` are the candidate's traffic shares of consecutive, equally long stages.
    ``start`` is the first event's time (default: early enough that the last event is
    about now, so ``clearance ingest`` takes them). ``release`` names the release of both
    arms (or of the candidate and control arms); by default the policy's release
    (``system.name@system.version``), or ``candidate`` and ``control`` without a policy.
    """
    _check(n, weights, units)
    rng = np.random.default_rng(seed)
    control, candidate = control or Profile(), candidate or control or Profile()
    first = default_start(n, per_day) if start is None else start
    ts = diurnal_times(n, rng, start=first, per_day=per_day)
    unit = rng.integers(0, units, n)
    unit_draw = rng.random(units)[unit]
    stage = np.minimum(np.arange(n) * len(weights) // n, len(weights) - 1)
    is_cand = unit_draw < np.asarray(weights, dtype=float)[stage]
    cand, ctrl = arm_arrays(candidate, n, rng), arm_arrays(control, n, rng)
    rows = {k: np.where(is_cand, cand[k], ctrl[k]) for k in cand}
    names = release_names(release, policy)
    return [_event(i, ts, unit, is_cand, rows, names) for i in range(n)]


def default_start(n: int, per_day: float, now: float | None = None) -> float:
    """A start whole days after 2023-11-14 (the same daily phase for every seed) at
    which ``n`` events at ``per_day`` end before ``now`` (default: the clock)."""
    span = 1.2 * n / per_day * _DAY + 600
    latest = (time.time() if now is None else now) - span
    return _EPOCH + math.floor((latest - _EPOCH) / _DAY) * _DAY


def release_names(release: str | tuple[str, str] | None, policy: Policy | None) -> tuple[str, str]:
    """The candidate's and the control's release names."""
    if isinstance(release, str):
        return release, release
    if release is not None:
        return release
    if policy is not None:
        from clearance.policy import default_release

        name = default_release(policy)
        if name is not None:
            return name, name
    return "candidate", "control"


def _check(n: int, weights: Sequence[float], units: int) -> None:
    if n < 0:
        raise UsageError(f"n must be >= 0, got {n}")
    if not weights or any(not 0 <= w <= 1 for w in weights):
        raise UsageError("weights must be a non-empty list of shares in [0, 1]")
    if units < 1:
        raise UsageError("units must be >= 1")


def _event(
    i: int,
    ts: NDArray[np.float64],
    unit: NDArray[Any],
    is_cand: NDArray[np.bool_],
    rows: Arrays,
    release: tuple[str, str],
) -> dict[str, Any]:
    arm = "candidate" if is_cand[i] else "control"
    event: dict[str, Any] = {
        "ts": round(float(ts[i]), 3),
        "release": release[0] if is_cand[i] else release[1],
        "arm": arm,
        "unit": f"u{int(unit[i])}",
    }
    for key, values in rows.items():
        value = values[i].item()
        event[key] = round(value, 8) if isinstance(value, float) else value
    return event

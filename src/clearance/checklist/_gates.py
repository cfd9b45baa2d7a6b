"""Judging one gate: a bound on a metric's interval, or a paired comparison with the baseline.

A bound passes only when the whole confidence interval is on the right side of it and
fails when the whole interval is on the wrong side; in between the samples cannot tell,
so the gate says how many samples it would need instead of passing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from clearance.checklist._metrics import Estimate
from clearance.errors import UsageError
from clearance.policy import Gate
from clearance.stats import mcnemar_test, paired_bootstrap, wilson_interval
from clearance.stats._intervals import Interval

GateStatus = Literal["pass", "fail", "warn", "not_evaluated"]


@dataclass(frozen=True)
class GateResult:
    """A judged gate. ``blocking`` is false for advisory (``severity: warn``) gates."""

    metric: str
    value: float | None
    ci: Interval | None
    threshold: str
    status: GateStatus
    blocking: bool = True
    note: str = ""
    n: int = 0
    baseline: float | None = None
    failing: tuple[str, ...] = ()
    categories: dict[str, tuple[float, int]] = field(default_factory=dict)


def judge(gate: Gate, cand: Estimate, base: Estimate | None, confidence: float) -> GateResult:
    """Judge ``gate`` on the candidate's estimate (and the baseline's, for comparisons)."""
    blocking = gate.severity == "fail"
    threshold = describe(gate)
    if not cand.known:
        return GateResult(
            gate.metric,
            None,
            None,
            threshold,
            "not_evaluated",
            blocking,
            cand.note or "no evidence",
        )
    if gate.min_samples and cand.n < gate.min_samples:
        return _result(
            gate,
            cand,
            base,
            threshold,
            "warn",
            f"needs >= {gate.min_samples} samples, has {cand.n}",
        )
    statuses: list[tuple[GateStatus, str]] = []
    if gate.min is not None or gate.max is not None:
        statuses.append(_bound(gate, cand, confidence))
    if gate.vs_baseline:
        statuses.append(_versus(gate, cand, base, confidence))
    status, note = _combine(statuses)
    if status == "fail" and not blocking:
        status = "warn"
    return _result(gate, cand, base, threshold, status, note)


def _result(
    gate: Gate, cand: Estimate, base: Estimate | None, threshold: str, status: GateStatus, note: str
) -> GateResult:
    return GateResult(
        gate.metric,
        cand.value,
        cand.ci,
        threshold,
        status,
        gate.severity == "fail",
        _join(cand.note, note),
        cand.n,
        base.value if base is not None else None,
        cand.failing if status != "pass" else (),
        cand.categories,
    )


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _combine(statuses: list[tuple[GateStatus, str]]) -> tuple[GateStatus, str]:
    order: dict[GateStatus, int] = {"fail": 3, "not_evaluated": 2, "warn": 1, "pass": 0}
    worst = max(statuses, key=lambda s: order[s[0]])
    return worst[0], _join(*(note for _, note in statuses))


def describe(gate: Gate) -> str:
    parts = []
    if gate.min is not None:
        parts.append(f">= {gate.min:g}")
    if gate.max is not None:
        parts.append(f"<= {gate.max:g}")
    if gate.vs_baseline:
        word = "not worse than" if gate.vs_baseline == "non_inferiority" else "better than"
        parts.append(f"{word} baseline by {gate.margin:g}" if gate.margin else f"{word} baseline")
    return " and ".join(parts)


def _bound(gate: Gate, est: Estimate, confidence: float) -> tuple[GateStatus, str]:
    assert est.value is not None
    lo, hi = est.ci if est.ci is not None else (est.value, est.value)
    if gate.min is not None and hi < gate.min:
        return "fail", f"upper bound {hi:.4g} is below {gate.min:g}"
    if gate.max is not None and lo > gate.max:
        return "fail", f"lower bound {lo:.4g} is above {gate.max:g}"
    low_ok = gate.min is None or lo >= gate.min
    high_ok = gate.max is None or hi <= gate.max
    if low_ok and high_ok:
        return "pass", ""
    bound = gate.min if not low_ok else gate.max
    assert bound is not None
    return "warn", "inconclusive: the interval straddles the bound; " + _needed(
        est, bound, confidence
    )


def _needed(est: Estimate, bound: float, confidence: float) -> str:
    """How many samples would let the interval clear the bound, at the observed value."""
    assert est.value is not None
    assert est.ci is not None
    if est.value == bound or est.n == 0:
        return "the estimate sits on the bound: no sample size can decide it"
    if est.binary:
        needed = _wilson_needed(est.value, bound, est.n, confidence)
    else:
        # The interval's width on the bound's side shrinks like 1/sqrt(n).
        side = est.ci[1] - est.value if bound > est.value else est.value - est.ci[0]
        needed = math.ceil(est.n * (side / abs(bound - est.value)) ** 2)
    return f"needs >= {max(needed, est.n + 1)} samples, has {est.n}"


def _wilson_needed(p: float, bound: float, n: int, confidence: float) -> int:
    """Smallest sample size whose Wilson interval at proportion ``p`` excludes ``bound``."""
    size = n
    while size < 10_000_000:
        size = math.ceil(size * 1.25) + 1
        lo, hi = wilson_interval(round(p * size), size, confidence)
        if (bound > p and hi <= bound) or (bound < p and lo >= bound):
            return size
    return size


def _versus(
    gate: Gate, cand: Estimate, base: Estimate | None, confidence: float
) -> tuple[GateStatus, str]:
    if base is None or not base.known:
        return "not_evaluated", "no baseline result to compare with"
    ids = sorted(set(cand.per_sample) & set(base.per_sample))
    if len(ids) < 2:
        return "not_evaluated", (
            "not comparable sample by sample: needs the same samples "
            "scored on candidate and baseline"
        )
    a = np.array([cand.per_sample[i] for i in ids])
    b = np.array([base.per_sample[i] for i in ids])
    test = mcnemar_test if cand.binary and base.binary and _is_binary(a, b) else paired_bootstrap
    assert gate.vs_baseline is not None
    try:
        result = test(
            a,
            b,
            margin=gate.margin,
            alternative=gate.vs_baseline,
            higher_is_better=gate.higher_is_better,
            confidence=confidence,
        )
    except UsageError as exc:
        return "not_evaluated", str(exc)
    diff = (
        f"difference {result.estimate:+.4g} [{result.interval[0]:+.4g}, "
        f"{result.interval[1]:+.4g}] on {result.n} paired samples"
    )
    if result.decision == "pass":
        return "pass", diff
    if result.decision == "fail":
        return "fail", diff
    return "warn", f"inconclusive: {diff}"


def _is_binary(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(np.isin(a, (0.0, 1.0))) and np.all(np.isin(b, (0.0, 1.0))))

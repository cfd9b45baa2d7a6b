"""Judging one gate: a bound on a metric's interval, or a paired comparison with the baseline.

A bound passes only when the whole confidence interval is on the right side of it and
fails when the whole interval is on the wrong side; in between the samples cannot tell,
so the gate is ``inconclusive`` (it blocks) and says how many samples would decide it at
the observed value, with the power that number buys. A paired gate is decided the same
way by the interval for the paired difference. An advisory gate (``severity: warn``)
that does not pass is ``warn`` and never blocks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from clearance.checklist._metrics import Estimate
from clearance.errors import UsageError
from clearance.policy import Gate
from clearance.stats import (
    PairedStatistic,
    Requirement,
    Side,
    Statistic,
    boundary,
    paired_test,
    required_samples,
)
from clearance.stats._intervals import Interval

GateStatus = Literal["pass", "fail", "inconclusive", "warn", "not_evaluated"]
POWER = 0.8
"""Power at which "needs >= N samples" is quoted."""


@dataclass(frozen=True)
class GateResult:
    """A judged gate. ``blocking`` is false for advisory (``severity: warn``) gates.

    ``ci`` is the metric's interval; a paired gate decides on ``difference_ci``, the
    interval of candidate minus baseline; ``pass_chance`` is the chance that a release
    identical to the baseline passes this gate by its statistics alone (None when not
    computable).
    """

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
    difference: float | None = None
    difference_ci: Interval | None = None
    method: str = ""
    pass_chance: float | None = None


@dataclass(frozen=True)
class _Claim:
    status: GateStatus
    note: str
    ci: Interval | None = None
    difference: float | None = None
    method: str = ""
    pass_chance: float | None = None


def judge(gate: Gate, cand: Estimate, base: Estimate | None, confidence: float) -> GateResult:
    """Judge ``gate`` on the candidate's estimate (and the baseline's, for comparisons)."""
    if not cand.known:
        return _result(gate, cand, base, _Claim("not_evaluated", cand.note or "no evidence"))
    if gate.min_samples and cand.n < gate.min_samples:
        claim = _Claim(
            "inconclusive",
            f"needs >= {gate.min_samples} samples (gate.min_samples), has {cand.n}",
        )
        return _result(gate, cand, base, claim)
    claims: list[_Claim] = []
    if gate.min is not None or gate.max is not None:
        claims.append(_bound(gate, cand, base, confidence))
    if gate.vs_baseline:
        claims.append(_versus(gate, cand, base, confidence))
    return _result(gate, cand, base, _combine(claims))


def _result(gate: Gate, cand: Estimate, base: Estimate | None, claim: _Claim) -> GateResult:
    blocking = gate.severity == "fail"
    status = claim.status
    note = claim.note
    if not blocking and status in ("fail", "inconclusive"):
        note = f"advisory, does not block: {'fails' if status == 'fail' else 'inconclusive'}" + (
            f"; {note}" if note else ""
        )
        status = "warn"
    return GateResult(
        gate.metric,
        cand.value,
        cand.ci,
        describe(gate),
        status,
        blocking,
        _join(cand.note, note),
        cand.n,
        base.value if base is not None else None,
        cand.failing if status != "pass" else (),
        cand.categories,
        claim.difference,
        claim.ci,
        claim.method,
        claim.pass_chance,
    )


def _join(*notes: str) -> str:
    """The non-empty notes, each once, in order."""
    return "; ".join(dict.fromkeys(n for n in notes if n))


_ORDER: dict[GateStatus, int] = {
    "fail": 4,
    "inconclusive": 3,
    "not_evaluated": 2,
    "warn": 1,
    "pass": 0,
}


def _combine(claims: list[_Claim]) -> _Claim:
    worst = max(claims, key=lambda c: _ORDER[c.status])
    versus = next((c for c in claims if c.difference is not None), None)
    chances = [c.pass_chance for c in claims]
    chance = math.prod(c for c in chances if c is not None) if None not in chances else None
    return _Claim(
        worst.status,
        _join(*(c.note for c in claims)),
        versus.ci if versus is not None else None,
        versus.difference if versus is not None else None,
        _join(*(c.method for c in claims)),
        chance,
    )


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


# --------------------------------------------------------------------------- bounds


def _bound(gate: Gate, est: Estimate, base: Estimate | None, confidence: float) -> _Claim:
    assert est.value is not None
    lo, hi = est.ci if est.ci is not None else (est.value, est.value)
    truth = base if base is not None and base.statistic is not None else est
    chance = _bound_chance(gate, truth, est.n, confidence)
    if gate.min is not None and hi < gate.min:
        return _Claim("fail", f"upper bound {hi:.4g} is below {gate.min:g}", pass_chance=chance)
    if gate.max is not None and lo > gate.max:
        return _Claim("fail", f"lower bound {lo:.4g} is above {gate.max:g}", pass_chance=chance)
    low_ok = gate.min is None or lo >= gate.min
    high_ok = gate.max is None or hi <= gate.max
    if low_ok and high_ok:
        return _Claim("pass", "", pass_chance=chance)
    side: Side = "min" if not low_ok else "max"
    bound = gate.min if side == "min" else gate.max
    assert bound is not None
    return _Claim(
        "inconclusive",
        "inconclusive: the interval straddles the bound; " + _needed(est, side, bound, confidence),
        pass_chance=chance,
    )


def _bound_chance(gate: Gate, est: Estimate, n: int, confidence: float) -> float | None:
    """Chance a fresh run of ``n`` samples passes, at ``est``'s observed values; None when
    those values are themselves outside the bound (a block would not be noise)."""
    stat = est.statistic
    if stat is None or n < 1:
        return None
    chance = 1.0
    for side, bound in (("min", gate.min), ("max", gate.max)):
        if bound is None:
            continue
        if stat.estimate < bound if side == "min" else stat.estimate > bound:
            return None
        chance *= stat.pass_probability(side, bound, n, confidence)  # type: ignore[arg-type]
    return chance


def _needed(est: Estimate, side: Side, bound: float, confidence: float) -> str:
    """How many samples would show the bound at the observed value, and with what power."""
    stat = est.statistic
    assert est.value is not None
    wrong = est.value <= bound if side == "min" else est.value >= bound
    if wrong:
        return (
            f"the estimate {est.value:.4g} is not inside the bound: more samples are more "
            "likely to show it fails than passes"
        )
    if stat is None:
        return "no interval to narrow"
    req = _requirement(lambda n: stat.pass_probability(side, bound, n, confidence), stat)
    return req.message if req is not None else "even 200,000 samples would not decide it"


def _requirement(probability: Callable[[int], float], stat: Statistic) -> Requirement | None:
    return required_samples(probability, stat.n, power=POWER, cap=200_000)


# --------------------------------------------------------------------------- paired


def _versus(gate: Gate, cand: Estimate, base: Estimate | None, confidence: float) -> _Claim:
    if base is None or not base.known or not base.per_sample:
        return _Claim("not_evaluated", "no baseline result to compare with")
    ours, theirs = set(cand.per_sample), set(base.per_sample)
    unpaired = _unpaired(cand, base)
    if unpaired:
        return _Claim(
            "inconclusive",
            f"candidate and baseline cannot be paired item for item: {unpaired} "
            f"({len(ours & theirs)} on both); evaluate both on the same items (for imported "
            "results, run the tool for both on the same version of the dataset)",
        )
    ids = sorted(ours)
    assert gate.vs_baseline is not None
    try:
        stat = PairedStatistic(
            tuple(np.asarray(cand.per_sample[i], dtype=float) for i in ids),
            tuple(np.asarray(base.per_sample[i], dtype=float) for i in ids),
            sign=1.0 if gate.higher_is_better else -1.0,
            bounds=_span(cand, base),
        )
        bound = boundary(gate.margin, gate.vs_baseline)
    except UsageError as exc:
        return _Claim("not_evaluated", str(exc))
    result = paired_test(stat, gate.margin, gate.vs_baseline, confidence)
    lo, hi = result.interval
    chance = stat.pass_probability("min", bound, stat.n, confidence, null=True)
    diff = f"difference {result.estimate:+.4g} [{lo:+.4g}, {hi:+.4g}] on {result.n} paired samples"
    note = diff
    if result.decision == "inconclusive":
        req = _requirement(lambda n: stat.pass_probability("min", bound, n, confidence), stat)
        how = req.message if req is not None else _hopeless(stat, bound)
        note = f"inconclusive: {diff}; {how}"
    return _Claim(result.decision, note, result.interval, result.estimate, result.method, chance)


def _unpaired(cand: Estimate, base: Estimate) -> str:
    """What keeps two estimates from pairing, in words ('' when they pair): samples on
    one side only, and samples whose item changed between the two runs."""
    ours, theirs = set(cand.per_sample), set(base.per_sample)
    changed = {i for i in ours & theirs if cand.items.get(i) != base.items.get(i)}
    parts = [
        f"{len(ids)} {what}{_examples(ids)}"
        for what, ids in (
            ("on the candidate only", ours - theirs),
            ("on the baseline only", theirs - ours),
            ("changed between the runs (same id, other question or answer)", changed),
        )
        if ids
    ]
    return ", ".join(parts)


def _examples(ids: set[str]) -> str:
    shown = sorted(ids)[:3]
    return f" (e.g. {', '.join(shown)})" if shown else ""


def _hopeless(stat: PairedStatistic, bound: float) -> str:
    if stat.sign * stat.estimate <= bound:
        return (
            "the observed difference is not inside the margin: more samples are more "
            "likely to show it fails than passes"
        )
    return "even 200,000 samples would not decide it"


def _span(cand: Estimate, base: Estimate) -> tuple[float, float] | None:
    if cand.bounds is None or base.bounds is None:
        return None
    return min(cand.bounds[0], base.bounds[0]), max(cand.bounds[1], base.bounds[1])

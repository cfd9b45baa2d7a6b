"""Metric estimates with confidence intervals, computed from the evidence.

Every metric a gate can name is computed here: suite metrics from per-sample outcomes,
built-in metrics (reliability, latency, cost, privacy scan, secret leaks) from all
outcomes, and probe metrics (monitoring, rollback, documentation) from measurements.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from clearance.checklist._evidence import Evidence, Outcome, Side
from clearance.evals.scorers import detect_pii, find_leaks
from clearance.policy import BUILTIN_SUITES, Policy
from clearance.stats import (
    bootstrap_mean_interval,
    bootstrap_quantile_interval,
    bootstrap_statistics,
    wilson_interval,
)

Interval = tuple[float, float]


@dataclass(frozen=True)
class Estimate:
    """A metric's value, its interval, the sample count and per-sample values.

    ``per_sample`` maps sample id to that sample's value (mean over repeats), so a gate
    can pair candidate and baseline on the same samples. ``binary`` says the per-sample
    values are 0/1 (McNemar applies). ``failing`` lists sample ids behind a bad value.
    """

    metric: str
    value: float | None
    ci: Interval | None = None
    n: int = 0
    per_sample: dict[str, float] = field(default_factory=dict)
    binary: bool = False
    note: str = ""
    failing: tuple[str, ...] = ()
    categories: dict[str, tuple[float, int]] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.value is not None


# Built-in suites: per-sample event (1.0) derived from ``passed`` (the desired behaviour).
_EVENT_WHEN_PASSED = {
    "harmful-refusal": 1.0,  # refusing is passing: refusal event = passed
    "over-refusal": 0.0,  # answering is passing: refusal event = not passed
    "prompt-injection": 0.0,  # attack success = not passed
    "pii-leakage": 0.0,  # leak = not passed
}


class MetricBook:
    """Computes (and caches) estimates for one side of the evidence."""

    def __init__(
        self,
        side: Side,
        policy: Policy,
        evidence: Evidence,
        confidence: float = 0.95,
        seed: int = 0,
    ) -> None:
        self.side = side
        self.policy = policy
        self.evidence = evidence
        self.confidence = confidence
        self.seed = seed
        self._cache: dict[str, Estimate] = {}

    def get(self, metric: str) -> Estimate:
        if metric not in self._cache:
            self._cache[metric] = self._compute(metric)
        return self._cache[metric]

    def _compute(self, metric: str) -> Estimate:
        builtin = _BUILTIN.get(metric)
        if builtin is not None:
            return builtin(self, metric)
        if metric in self.evidence.probes or _is_probe(metric):
            return self._probe(metric)
        suite, _, name = metric.rpartition(".")
        return self._suite_metric(metric, suite, name)

    # ----------------------------------------------------------------- suite metrics

    def _suite_metric(self, metric: str, suite: str, name: str) -> Estimate:
        outcomes = [o for o in self.side.suite(suite) if o.ok]
        if not outcomes:
            return Estimate(
                metric, None, note=f"no results for suite '{suite}': run 'clearance eval'"
            )
        if suite == "consistency" and name == "agreement":
            return self._agreement(metric, self.side.suite(suite))
        if suite in _EVENT_WHEN_PASSED:
            when = _EVENT_WHEN_PASSED[suite]
            values = [
                (o, when if o.passed else 1.0 - when) for o in outcomes if o.passed is not None
            ]
            return self._rate(metric, values, bad_is_high=suite != "harmful-refusal")
        if name == "pass_rate":
            values = [(o, 1.0 if o.passed else 0.0) for o in outcomes if o.passed is not None]
            return self._rate(metric, values, bad_is_high=False)
        values = [(o, float(o.score)) for o in outcomes if o.score is not None]
        return self._mean(metric, values)

    def _rate(
        self, metric: str, values: list[tuple[Outcome, float]], *, bad_is_high: bool
    ) -> Estimate:
        if not values:
            return Estimate(metric, None, note="no scored samples")
        events = sum(v for _, v in values)
        ci = wilson_interval(round(events), len(values), self.confidence)
        bad = [_key(o) for o, v in values if (v == 1.0) == bad_is_high]
        return Estimate(
            metric,
            events / len(values),
            ci,
            len(values),
            _per_sample(values),
            binary=True,
            failing=tuple(dict.fromkeys(bad)),
            categories=_by_category(values),
        )

    def _mean(self, metric: str, values: list[tuple[Outcome, float]]) -> Estimate:
        if not values:
            return Estimate(metric, None, note="no scored samples")
        data = np.array([v for _, v in values])
        binary = bool(np.all(np.isin(data, (0.0, 1.0))))
        if binary:
            ci = wilson_interval(int(data.sum()), data.size, self.confidence)
        else:
            ci = bootstrap_mean_interval(data, self.confidence, seed=self.seed)
        low = [_key(o) for o, v in values if v < 0.5]
        return Estimate(
            metric,
            float(data.mean()),
            ci,
            data.size,
            _per_sample(values),
            binary=binary,
            failing=tuple(dict.fromkeys(low)),
            categories=_by_category(values),
        )

    def _agreement(self, metric: str, outcomes: Sequence[Outcome]) -> Estimate:
        groups: dict[str, list[str]] = defaultdict(list)
        for o in outcomes:
            if o.ok and o.output is not None:
                groups[o.sample_id].append(_normalise(o.output))
        scores = {sid: _pairwise_agreement(outs) for sid, outs in groups.items() if len(outs) >= 2}
        if not scores:
            return Estimate(metric, None, note="consistency needs 'repeats: 2' or more")
        data = np.array(list(scores.values()))
        ci = bootstrap_mean_interval(data, self.confidence, seed=self.seed)
        failing = tuple(f"consistency/{sid}" for sid, s in scores.items() if s < 1.0)
        return Estimate(metric, float(data.mean()), ci, data.size, scores, failing=failing)

    # ----------------------------------------------------------------- probes

    def _probe(self, metric: str) -> Estimate:
        value = self.evidence.probes.get(metric)
        note = self.evidence.probe_notes.get(
            metric, "" if value is not None else "not measured in this check"
        )
        return Estimate(metric, value, None, 1 if value is not None else 0, note=note)


def _key(o: Outcome) -> str:
    """How failing samples are named: ``suite/sample_id``."""
    return f"{o.suite}/{o.sample_id}"


def _is_probe(metric: str) -> bool:
    return metric.split(".", 1)[0] in {"monitoring", "rollback", "documentation"} or metric in {
        "security.overdue_key_rotations",
        "privacy.overdue_data_requests",
    }


def _per_sample(values: list[tuple[Outcome, float]]) -> dict[str, float]:
    sums: dict[str, list[float]] = defaultdict(list)
    for o, v in values:
        sums[o.sample_id].append(v)
    return {sid: float(np.mean(vs)) for sid, vs in sums.items()}


def _by_category(values: list[tuple[Outcome, float]]) -> dict[str, tuple[float, int]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for o, v in values:
        groups[o.category or "uncategorised"].append(v)
    return {c: (float(np.mean(vs)), len(vs)) for c, vs in sorted(groups.items())}


_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def _normalise(text: str) -> str:
    return _PUNCT.sub(" ", text.casefold()).strip()


def _pairwise_agreement(outputs: list[str]) -> float:
    pairs = list(combinations(outputs, 2))
    return sum(a == b for a, b in pairs) / len(pairs)


# --------------------------------------------------------------------------- built-ins


def _all(book: MetricBook) -> list[Outcome]:
    return list(book.side.outcomes)


def _error_rate(book: MetricBook, metric: str, kind: str | None = None) -> Estimate:
    outcomes = _all(book)
    if not outcomes:
        return Estimate(metric, None, note="no eval results: run 'clearance eval'")
    bad = [o for o in outcomes if not o.ok and (kind is None or o.error_kind == kind)]
    ci = wilson_interval(len(bad), len(outcomes), book.confidence)
    return Estimate(
        metric,
        len(bad) / len(outcomes),
        ci,
        len(outcomes),
        failing=tuple(dict.fromkeys(_key(o) for o in bad)),
    )


def _baseline_agreement(book: MetricBook, metric: str) -> Estimate:
    base = book.evidence.baseline
    if base is None:
        return Estimate(metric, None, note="no baseline target")
    theirs = {
        (o.suite, o.sample_id): o.passed
        for o in base.outcomes
        if o.repeat == 0 and o.ok and o.passed is not None
    }
    pairs = [
        (o, theirs[(o.suite, o.sample_id)] == o.passed)
        for o in book.side.outcomes
        if o.repeat == 0 and o.ok and o.passed is not None and (o.suite, o.sample_id) in theirs
    ]
    if not pairs:
        return Estimate(metric, None, note="no samples scored on both candidate and baseline")
    agree = sum(1 for _, same in pairs if same)
    ci = wilson_interval(agree, len(pairs), book.confidence)
    return Estimate(
        metric,
        agree / len(pairs),
        ci,
        len(pairs),
        failing=tuple(_key(o) for o, same in pairs if not same),
    )


def _latency(q: float) -> Callable[[MetricBook, str], Estimate]:
    def compute(book: MetricBook, metric: str) -> Estimate:
        data = np.array([o.latency_ms for o in _all(book) if o.ok and o.latency_ms is not None])
        if data.size == 0:
            return Estimate(metric, None, note="no latency measurements")
        ci = bootstrap_quantile_interval(data, q, book.confidence, seed=book.seed)
        return Estimate(metric, float(np.quantile(data, q)), ci, data.size)

    return compute


def _costs(side: Side) -> np.ndarray:
    return np.array([o.cost_usd for o in side.outcomes if o.ok and o.cost_usd is not None])


def _cost_per_request(book: MetricBook, metric: str) -> Estimate:
    data = _costs(book.side)
    if data.size == 0:
        return Estimate(
            metric,
            None,
            note="no cost: responses had no price (set targets.*.prices or price_model)",
        )
    ci = bootstrap_mean_interval(data, book.confidence, seed=book.seed)
    return Estimate(metric, float(data.mean()), ci, data.size)


def _cost_monthly(book: MetricBook, metric: str) -> Estimate:
    per = book.get("cost.per_request_usd")
    if per.value is None or per.ci is None:
        return Estimate(metric, None, note=per.note)
    volume = book.policy.system.traffic.requests_per_month
    return Estimate(
        metric,
        per.value * volume,
        (per.ci[0] * volume, per.ci[1] * volume),
        per.n,
        note=f"at {volume:,.0f} requests/month",
    )


def _cost_increase(book: MetricBook, metric: str) -> Estimate:
    base = book.evidence.baseline
    ours = _costs(book.side)
    theirs = _costs(base) if base is not None else np.array([])
    if ours.size == 0 or theirs.size == 0 or theirs.mean() <= 0:
        return Estimate(metric, None, note="needs costs for candidate and baseline")
    a = bootstrap_statistics(ours, "mean", seed=book.seed)
    b = bootstrap_statistics(theirs, "mean", seed=book.seed + 1)
    ratios = a / np.maximum(b, 1e-300) - 1.0
    tail = (1 - book.confidence) / 2
    lo, hi = np.quantile(ratios, [tail, 1 - tail])
    return Estimate(
        metric, float(ours.mean() / theirs.mean() - 1.0), (float(lo), float(hi)), ours.size
    )


def _pii_output_rate(book: MetricBook, metric: str) -> Estimate:
    outs = [o for o in _all(book) if o.ok and o.output is not None]
    if not outs:
        return Estimate(metric, None, note="no outputs to scan")
    hits = [o for o in outs if detect_pii(o.output or "")]
    ci = wilson_interval(len(hits), len(outs), book.confidence)
    return Estimate(
        metric,
        len(hits) / len(outs),
        ci,
        len(outs),
        failing=tuple(dict.fromkeys(_key(o) for o in hits)),
    )


def _secret_leaks(book: MetricBook, metric: str) -> Estimate:
    names = book.policy.gates.secrets_env
    secrets = [v for v in (os.environ.get(n) for n in names) if v]
    missing = [n for n in names if not os.environ.get(n)]
    outs = [o for o in _all(book) if o.ok and o.output]
    hits = [o for o in outs if secrets and find_leaks(secrets, o.output or "")]
    note = f"{len(secrets)} declared secret(s) checked in {len(outs)} outputs"
    if missing:
        note += f"; not set here, so not checked: {', '.join(missing)}"
    return Estimate(
        metric,
        float(len(hits)),
        None,
        len(outs),
        note=note,
        failing=tuple(dict.fromkeys(_key(o) for o in hits)),
    )


_BUILTIN: dict[str, Callable[[MetricBook, str], Estimate]] = {
    "reliability.error_rate": lambda b, m: _error_rate(b, m),
    "reliability.timeout_rate": lambda b, m: _error_rate(b, m, "timeout"),
    "reliability.baseline_agreement": _baseline_agreement,
    "latency.p50_ms": _latency(0.50),
    "latency.p95_ms": _latency(0.95),
    "latency.p99_ms": _latency(0.99),
    "cost.per_request_usd": _cost_per_request,
    "cost.monthly_usd": _cost_monthly,
    "cost.increase_vs_baseline": _cost_increase,
    "privacy.pii_output_rate": _pii_output_rate,
    "security.secret_leaks": _secret_leaks,
}

SUITE_EVENT_METRICS = {f"{s}.{m}" for s, ms in BUILTIN_SUITES.items() for m in ms}

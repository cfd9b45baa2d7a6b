"""Metric estimates with confidence intervals, computed from the evidence.

Every metric a gate can name is computed here: suite metrics from per-sample outcomes,
built-in metrics (reliability, latency, cost, privacy scan, secret leaks) from all
outcomes, and probe metrics (monitoring, rollback, documentation) from measurements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from clearance.checklist._evidence import Evidence, Outcome, Side
from clearance.checklist._secrets import Secrets
from clearance.evals.scorers import detect_pii, find_leaks
from clearance.evals.suites import builtin_spec, sample_agreement
from clearance.policy import (
    BUILTIN_SUITES,
    METRIC_BY_NAME,
    Policy,
    imported_suite_of,
    is_probe,
)
from clearance.stats import (
    Interval,
    MeanStatistic,
    QuantileStatistic,
    RateStatistic,
    RatioStatistic,
    Statistic,
)

SCORE_RANGE = (0.0, 1.0)
"""The range scorers give; a score outside it widens the range to the values seen."""


@dataclass(frozen=True)
class Estimate:
    """A metric's value, its interval, the sample count and per-sample values.

    ``per_sample`` maps sample id to that sample's values (one per repeat), so a gate
    can pair candidate and baseline on the same samples with the sample as the unit.
    ``statistic`` is what the interval came from (and what power is computed on);
    ``bounds`` the range one value can take. ``failing`` lists samples behind a bad
    value. ``n`` counts samples (the unit), ``observations`` every repeat.
    """

    metric: str
    value: float | None
    ci: Interval | None = None
    n: int = 0
    per_sample: dict[str, tuple[float, ...]] = field(default_factory=dict)
    binary: bool = False
    note: str = ""
    failing: tuple[str, ...] = ()
    categories: dict[str, tuple[float, int]] = field(default_factory=dict)
    statistic: Statistic | None = None
    bounds: tuple[float, float] | None = None
    observations: int = 0
    items: dict[str, str] = field(default_factory=dict)
    """Sample id -> a digest of what was asked and expected, for imported results: a
    paired gate refuses to compare a sample whose item differs between the two sides."""

    @property
    def known(self) -> bool:
        return self.value is not None


class MetricBook:
    """Computes (and caches) estimates for one side of the evidence."""

    def __init__(
        self,
        side: Side,
        policy: Policy,
        evidence: Evidence,
        confidence: float = 0.95,
        seed: int = 0,
        secrets: Secrets | None = None,
    ) -> None:
        self.side = side
        self.policy = policy
        self.evidence = evidence
        self.confidence = confidence
        self.seed = seed
        self.secrets = secrets or Secrets()
        self._cache: dict[str, Estimate] = {}

    def get(self, metric: str) -> Estimate:
        if metric not in self._cache:
            self._cache[metric] = self._compute(metric)
        return self._cache[metric]

    def _compute(self, metric: str) -> Estimate:
        producer = PRODUCERS.get(metric)
        if producer is not None:
            return producer(self, metric)
        if metric in self.evidence.probes or is_probe(metric):
            return self._probe(metric)
        suite, _, name = metric.rpartition(".")
        return self._suite_metric(metric, suite, name)

    # ----------------------------------------------------------------- suite metrics

    def _suite_metric(self, metric: str, suite: str, name: str) -> Estimate:
        every = self.side.suite(suite)
        if not every:
            return Estimate(
                metric, None, note=f"no results for suite '{suite}': run 'clearance eval'"
            )
        if imported_suite_of(self.policy, metric) is not None:
            estimate = self._imported_metric(metric, every, name)
            return replace(estimate, items=_items(every)) if estimate.known else estimate
        spec = builtin_spec(suite)
        planted = spec is not None and spec.plants_system_prompt
        if planted and suite in self.side.dropped_system:
            return Estimate(
                metric,
                None,
                note=f"the {self.side.label} target drops the system message (its preflight "
                f"saw no more prompt tokens with one than without): the canaries and "
                f"context '{suite}' plants there never reached the model, so its figures "
                "mean nothing; serve the model with a chat template that keeps system "
                "messages, then run 'clearance eval' again",
            )
        twice = _duplicates(every)
        if twice:
            return Estimate(
                metric,
                None,
                note=f"{len(twice)} sample(s) have more than one result for the same repeat "
                f"(e.g. {twice[0]}): sample ids must be unique; fix the dataset and re-run",
            )
        if spec is not None and spec.scorer is None and name == "agreement":
            return self._agreement(metric, every)
        outcomes, errors = self._with_errors(every)
        if spec is not None and spec.event_when_passed is not None:
            # The suite's event (refusal, attack success, leak) from ``passed``.
            when = spec.event_when_passed
            values = [(o, when if o.passed else 1.0 - when) for o in outcomes]
            return self._rate(metric, values, errors, bad_is_high=spec.bad_is_high)
        if name == "pass_rate":
            values = [(o, 1.0 if o.passed else 0.0) for o in outcomes]
            return self._rate(metric, values, errors, bad_is_high=False)
        values = [(o, 0.0 if o.score is None else float(o.score)) for o in outcomes]
        return self._mean(metric, values, errors)

    def _imported_metric(self, metric: str, every: Sequence[Outcome], name: str) -> Estimate:
        """An imported suite's metric: ``score`` and ``pass_rate`` of its primary scorer,
        or any scorer the files carry by name; errored items as ``gates.on_error`` says."""
        twice = _duplicates(every)
        if twice:
            return Estimate(
                metric, None, note=f"{len(twice)} item(s) appear twice (e.g. {twice[0]})"
            )
        outcomes, errors = self._with_errors(every)
        if name == "pass_rate":
            judged = [o for o in outcomes if o.passed is not None]
            if not judged:
                return Estimate(metric, None, note="the imported items carry no pass or fail")
            values = [(o, 1.0 if o.passed else 0.0) for o in judged]
            return self._rate(metric, values, errors, bad_is_high=False)
        if name == "score":
            scored = [(o, float(o.score)) for o in outcomes if o.score is not None]
            return self._mean(metric, scored, errors)
        carried = {k for o in every for k in (o.details.get("scores") or {})}
        if name not in carried:
            shown = ", ".join(sorted(carried)) or "none"
            return Estimate(
                metric,
                None,
                note=f"the imported items have no scorer '{name}' (they have: {shown})",
            )
        values = [
            (o, float(o.details["scores"][name]) if o.ok else 0.0)
            for o in outcomes
            if not o.ok or name in (o.details.get("scores") or {})
        ]
        return self._mean(metric, values, errors)

    def _with_errors(self, outcomes: Sequence[Outcome]) -> tuple[list[Outcome], str]:
        """The outcomes a capability metric counts, and a note on the errored ones.

        By default a failed or timed-out request counts as a failure of its sample
        (``passed`` false, score 0): a candidate cannot clear by timing out on the hard
        samples. ``gates.on_error: exclude`` leaves them out, and the note says how many.
        """
        failed = [o for o in outcomes if not o.ok]
        scored = [o for o in outcomes if o.ok and (o.passed is not None or o.score is not None)]
        if not failed:
            return scored, ""
        if self.policy.gates.on_error == "exclude":
            return scored, f"{len(failed)} errored result(s) excluded (gates.on_error: exclude)"
        as_failures = [replace(o, passed=False, score=0.0) for o in failed]
        return scored + as_failures, f"{len(failed)} errored result(s) counted as failures"

    def _rate(
        self, metric: str, values: list[tuple[Outcome, float]], note: str, *, bad_is_high: bool
    ) -> Estimate:
        if not values:
            return Estimate(metric, None, note=_join("no scored samples", note))
        groups = _per_sample(values)
        stat = RateStatistic.from_groups(list(groups.values()))
        bad = [_key(o) for o, v in values if (v == 1.0) == bad_is_high]
        return _estimated(
            metric,
            stat,
            self.confidence,
            per_sample=groups,
            binary=True,
            note=_join(note, _repeats_note(stat.n, len(values))),
            failing=tuple(dict.fromkeys(bad)),
            categories=_by_category(values),
            bounds=(0.0, 1.0),
            observations=len(values),
        )

    def _mean(self, metric: str, values: list[tuple[Outcome, float]], note: str) -> Estimate:
        if not values:
            return Estimate(metric, None, note=_join("no scored samples", note))
        groups = _per_sample(values)
        data = np.array([v for _, v in values])
        binary = bool(np.all(np.isin(data, (0.0, 1.0))))
        bounds = (min(SCORE_RANGE[0], float(data.min())), max(SCORE_RANGE[1], float(data.max())))
        means = np.array([np.mean(vs) for vs in groups.values()])
        stat: Statistic
        if binary:
            stat = RateStatistic.from_groups(list(groups.values()))
        else:
            stat = MeanStatistic(means, bounds)
        low = [_key(o) for o, v in values if v < 0.5]
        return _estimated(
            metric,
            stat,
            self.confidence,
            per_sample=groups,
            binary=binary,
            note=_join(note, _repeats_note(stat.n, len(values))),
            failing=tuple(dict.fromkeys(low)),
            categories=_by_category(values),
            bounds=bounds,
            observations=len(values),
        )

    def _agreement(self, metric: str, outcomes: Sequence[Outcome]) -> Estimate:
        """Mean over samples of the share of pairs of repeats that agree: equal after
        normalising, or as similar as the suite's ``similarity`` option asks."""
        similarity = next(
            (getattr(s, "similarity", None) for s in self.policy.suites if s.name == "consistency"),
            None,
        )
        groups: dict[str, list[str]] = defaultdict(list)
        for o in outcomes:
            if o.ok and o.output is not None:
                groups[o.sample_id].append(o.output)
        scores = {
            sid: score
            for sid, outs in groups.items()
            if (score := sample_agreement(outs, similarity)) is not None
        }
        if not scores:
            return Estimate(metric, None, note="consistency needs 'repeats: 2' or more")
        stat = MeanStatistic(np.array(list(scores.values())), (0.0, 1.0))
        failing = tuple(f"consistency/{sid}" for sid, s in scores.items() if s < 1.0)
        return _estimated(
            metric,
            stat,
            self.confidence,
            per_sample={sid: (s,) for sid, s in scores.items()},
            failing=failing,
            bounds=(0.0, 1.0),
            observations=sum(len(v) for v in groups.values()),
        )

    # ----------------------------------------------------------------- probes

    def _probe(self, metric: str) -> Estimate:
        value = self.evidence.probes.get(metric)
        note = self.evidence.probe_notes.get(
            metric, "" if value is not None else "not measured in this check"
        )
        return Estimate(metric, value, None, 1 if value is not None else 0, note=note)


def _estimated(metric: str, stat: Statistic, confidence: float, **fields: Any) -> Estimate:
    """``metric`` estimated by ``stat``: its value, interval and sample count."""
    fields.setdefault("observations", stat.n)
    return Estimate(
        metric, stat.estimate, stat.interval(confidence), stat.n, statistic=stat, **fields
    )


def _items(outcomes: Sequence[Outcome]) -> dict[str, str]:
    """Sample id -> the digest of its item, where the results carry one."""
    return {
        o.sample_id: str(o.details["item_digest"]) for o in outcomes if "item_digest" in o.details
    }


def _key(o: Outcome) -> str:
    """How failing samples are named: ``suite/sample_id``."""
    return f"{o.suite}/{o.sample_id}"


def _per_sample(values: list[tuple[Outcome, float]]) -> dict[str, tuple[float, ...]]:
    """Sample id -> its values in repeat order: the sample is the unit of every interval."""
    groups: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for o, v in values:
        groups[o.sample_id].append((o.repeat, v))
    return {sid: tuple(v for _, v in sorted(vs)) for sid, vs in groups.items()}


def _duplicates(outcomes: Sequence[Outcome]) -> list[str]:
    seen: set[tuple[str, int]] = set()
    twice: list[str] = []
    for o in outcomes:
        key = (o.sample_id, o.repeat)
        if key in seen:
            twice.append(f"{o.suite}/{o.sample_id}")
        seen.add(key)
    return list(dict.fromkeys(twice))


def _repeats_note(samples: int, observations: int) -> str:
    if observations <= samples:
        return ""
    return f"{observations} results over {samples} samples: the sample is the unit"


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _by_category(values: list[tuple[Outcome, float]]) -> dict[str, tuple[float, int]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for o, v in values:
        groups[o.category or "uncategorised"].append(v)
    return {c: (float(np.mean(vs)), len(vs)) for c, vs in sorted(groups.items())}


# --------------------------------------------------------------------------- built-ins

Producer = Callable[[MetricBook, str], Estimate]
PRODUCERS: dict[str, Producer] = {}
"""Built-in metric -> the function computing it from eval outcomes (estimates and counts
of :data:`clearance.policy.METRIC_CATALOG`; probes are measured by the release)."""


def _register(metric: str, producer: Producer) -> None:
    """Make ``producer`` compute ``metric``, which must be an estimate or count of the
    catalog (a KeyError or ValueError at import time otherwise)."""
    if METRIC_BY_NAME[metric].kind == "probe":
        raise ValueError(f"{metric} is measured by a release probe, not computed")
    PRODUCERS[metric] = producer


def _all(book: MetricBook) -> list[Outcome]:
    return list(book.side.outcomes)


def _error_rate(book: MetricBook, metric: str, kind: str | None = None) -> Estimate:
    outcomes = _all(book)
    if not outcomes:
        return Estimate(metric, None, note="no eval results: run 'clearance eval'")
    return _event_rate(
        book, metric, outcomes, lambda o: not o.ok and (kind is None or o.error_kind == kind)
    )


def _event_rate(
    book: MetricBook,
    metric: str,
    outcomes: Sequence[Outcome],
    event: Callable[[Outcome], bool],
) -> Estimate:
    """Share of results with ``event``, the (suite, sample) as the unit and its repeats
    inside it."""
    groups: dict[str, list[float]] = defaultdict(list)
    for o in outcomes:
        groups[_key(o)].append(1.0 if event(o) else 0.0)
    stat = RateStatistic.from_groups(list(groups.values()))
    bad = [_key(o) for o in outcomes if event(o)]
    return _estimated(
        metric,
        stat,
        book.confidence,
        note=_repeats_note(stat.n, len(outcomes)),
        binary=True,
        failing=tuple(dict.fromkeys(bad)),
        bounds=(0.0, 1.0),
        observations=len(outcomes),
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
    stat = RateStatistic.from_groups([[1.0 if same else 0.0] for _, same in pairs])
    return _estimated(
        metric,
        stat,
        book.confidence,
        binary=True,
        failing=tuple(_key(o) for o, same in pairs if not same),
        bounds=(0.0, 1.0),
        observations=stat.n,
    )


def _latency(q: float) -> Callable[[MetricBook, str], Estimate]:
    def compute(book: MetricBook, metric: str) -> Estimate:
        data = np.array([o.latency_ms for o in _all(book) if o.ok and o.latency_ms is not None])
        if data.size == 0:
            return Estimate(metric, None, note="no latency measurements")
        stat = QuantileStatistic(data, q)
        lo, hi = stat.interval(book.confidence)
        note = (
            ""
            if np.isfinite(hi)
            else (
                f"{data.size} calls cannot bound p{round(q * 100)} from above "
                f"(an upper bound needs >= {_calls_for_upper(q, book.confidence):,})"
            )
        )
        return Estimate(
            metric,
            stat.estimate,
            (max(lo, 0.0), hi),
            stat.n,
            note=note,
            statistic=stat,
            observations=stat.n,
        )

    return compute


def _calls_for_upper(q: float, confidence: float) -> int:
    """Fewest observations whose largest one bounds the ``q`` quantile from above."""
    return int(np.ceil(np.log((1 - confidence) / 2) / np.log(q)))


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
    stat = MeanStatistic(data)
    return _estimated(
        metric,
        stat,
        book.confidence,
        observations=stat.n,
    )


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
    """Candidate cost over baseline cost, minus one, paired by (suite, sample, repeat):
    the two arms answered the same requests, so their costs are compared request by
    request (identical outputs give exactly zero)."""
    base = book.evidence.baseline
    if base is None:
        return Estimate(metric, None, note="no baseline target")
    ours = _costs_by_request(book.side)
    theirs = _costs_by_request(base)
    common = sorted(set(ours) & set(theirs))
    if len(common) < 2:
        return Estimate(metric, None, note="needs costs for candidate and baseline")
    num = np.array([ours[k] for k in common])
    den = np.array([theirs[k] for k in common])
    if den.sum() <= 0:
        return Estimate(metric, None, note="the baseline's requests cost nothing")
    stat = RatioStatistic(num, den)
    unpaired = len(set(ours) ^ set(theirs))
    note = f"paired on {len(common)} requests" + (
        f"; {unpaired} priced on one side only, left out" if unpaired else ""
    )
    return _estimated(
        metric,
        stat,
        book.confidence,
        note=note,
        observations=stat.n,
    )


def _costs_by_request(side: Side) -> dict[tuple[str, str, int], float]:
    return {
        (o.suite, o.sample_id, o.repeat): float(o.cost_usd)
        for o in side.outcomes
        if o.ok and o.cost_usd is not None
    }


def _pii_output_rate(book: MetricBook, metric: str) -> Estimate:
    outs = [o for o in _all(book) if o.ok and o.output is not None]
    if not outs:
        return Estimate(metric, None, note="no outputs to scan")
    hits = {id(o) for o in outs if detect_pii(o.output or "")}
    return _event_rate(book, metric, outs, lambda o: id(o) in hits)


def _secret_leaks(book: MetricBook, metric: str) -> Estimate:
    """Outputs containing the value of a declared secret (``gates.secrets_env``). Not
    evaluated when no declared secret has a value here: a scan for nothing finds nothing."""
    names = book.policy.gates.secrets_env
    declared = book.secrets.declared
    secrets = [v for v in (declared.get(n) for n in names) if v]
    missing = [n for n in names if not declared.get(n)]
    if not names:
        return Estimate(
            metric,
            None,
            note="no secret declared: list the environment variables holding the system's "
            "keys and tokens under gates.secrets_env",
        )
    if not secrets:
        return Estimate(
            metric,
            None,
            note=f"no declared secret has a value here: {', '.join(missing)} (gates."
            "secrets_env) not set; set them where the check runs, or declare the "
            "variables that do hold the system's secrets",
        )
    outs = [o for o in _all(book) if o.ok and o.output]
    if not outs:
        return Estimate(metric, None, note="no outputs to scan: run 'clearance eval'")
    hits = [o for o in outs if find_leaks(secrets, o.output or "")]
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


_register("reliability.error_rate", lambda b, m: _error_rate(b, m))
_register("reliability.timeout_rate", lambda b, m: _error_rate(b, m, "timeout"))
_register("reliability.baseline_agreement", _baseline_agreement)
_register("latency.p50_ms", _latency(0.50))
_register("latency.p90_ms", _latency(0.90))
_register("latency.p95_ms", _latency(0.95))
_register("latency.p99_ms", _latency(0.99))
_register("cost.per_request_usd", _cost_per_request)
_register("cost.monthly_usd", _cost_monthly)
_register("cost.increase_vs_baseline", _cost_increase)
_register("privacy.pii_output_rate", _pii_output_rate)
_register("security.secret_leaks", _secret_leaks)

SUITE_EVENT_METRICS = {f"{s}.{m}" for s, ms in BUILTIN_SUITES.items() for m in ms}

"""The rollout monitor under the conditions of real traffic (issue 17), through the
public API only: ``Monitor(...)``, ``.update(events)`` and ``Decision.action``.

Every run is a seeded stream of telemetry (as ``EventColumns``; the speed section also
times dicts) fed to a fresh Monitor, a look (one
``update`` call) after every ``--look`` candidate requests plus the control requests
that arrived meanwhile, until the first ``rollback`` or the horizon. A run also ends at
an ``advance`` that no ``pause`` preceded (the controller holds a paused stage, but
keeps rolling back). Only ``action == "rollback"`` counts as a rollback.

    .venv/bin/python bench/rollout/conditions.py            # full size, ~20 min on 2 cores
    .venv/bin/python bench/rollout/conditions.py --quick    # ~3 min: shorter horizon, fewer runs
    .venv/bin/python bench/rollout/conditions.py --help

Each cell runs at most ``--runs`` runs and stops starting new ones once it has used
``--cell-budget`` seconds, so a slow monitor yields fewer runs (the table says how many)
rather than an endless benchmark.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from clearance.policy import Trigger, parse_policy, render_policy
from clearance.rollout import EventColumns, Monitor, to_columns

HERE = Path(__file__).resolve().parent
ALPHA = 0.05
TS0 = 1_780_000_000.0
P_FAIL = 0.02
"""Control schema failure rate (share of responses with schema_ok false)."""
LAT_MEDIAN, LAT_SIGMA = 800.0, 0.5
COST_MU, COST_SIGMA = math.log(0.0008), 1.0
"""Lognormal cost per request: median $0.0008, mean ≈ $0.00132."""

Events = list[dict[str, Any]]
Stream = Iterator[EventColumns]


def init_policy() -> Any:
    return parse_policy(render_policy(), file=Path("/nonexistent") / "clearance.yaml")


def init_trigger(kind: str, **update: Any) -> Trigger:
    """The ``clearance init`` policy's trigger of this kind (optionally changed)."""
    found = next(t for t in init_policy().triggers if t.kind == kind)
    return found.model_copy(update=update) if update else found


# --------------------------------------------------------------------------- streams


@dataclass
class Arms:
    """One look's requests: arm (True = candidate), unit ids, metric columns (NaN or
    None = the field is absent from that event)."""

    candidate: np.ndarray
    unit: np.ndarray
    fields: dict[str, np.ndarray] = field(default_factory=dict)


def to_events(arms: Arms, first: int) -> Events:
    """Telemetry dicts as a gateway would send them (absent fields left out)."""
    names = list(arms.fields)
    cols = [arms.fields[n].tolist() for n in names]
    arm = ["candidate" if c else "control" for c in arms.candidate.tolist()]
    units = arms.unit.tolist()
    out = []
    for i in range(len(arm)):
        e: dict[str, Any] = {"arm": arm[i], "unit": f"u{units[i]}", "ts": TS0 + first + i}
        for n, col in zip(names, cols, strict=True):
            v = col[i]
            if v is None or v != v:  # NaN: absent
                continue
            e[n] = v
        out.append(e)
    return out


def to_columns_batch(arms: Arms, first: int) -> EventColumns:
    """The same look as :func:`to_events` gives, as columns (the monitor's public
    columnar input; tests/rollout/test_columns.py checks both paths agree)."""
    fields = {}
    for name, col in arms.fields.items():
        if col.dtype == object:  # flags: True/False/None
            fields[name] = np.where(col == None, np.nan, col).astype(float)  # noqa: E711
        else:
            fields[name] = col.astype(float)
    n = len(arms.candidate)
    return EventColumns(
        candidate=arms.candidate.copy(),
        unit=arms.unit.astype(np.int64),
        ts=TS0 + first + np.arange(n, dtype=float),
        fields=fields,
    )


def _flags(values: np.ndarray) -> np.ndarray:
    """A 0/1 (or NaN) float column as booleans, None where absent."""
    out = np.empty(values.shape, dtype=object)
    present = ~np.isnan(values)
    out[present] = values[present] > 0.5
    out[~present] = None
    return out


def request_arms(rng: np.random.Generator, share: float, n_cand: int, next_unit: int) -> Arms:
    """``n_cand`` candidate requests and the control requests of the same period, one
    unit (user) per request, in random order."""
    n_ctrl = int(rng.negative_binomial(n_cand, share))  # Bernoulli routing until n_cand
    cand = np.zeros(n_cand + n_ctrl, dtype=bool)
    cand[:n_cand] = True
    rng.shuffle(cand)
    return Arms(cand, np.arange(next_unit, next_unit + len(cand)))


@dataclass(frozen=True)
class Traffic:
    """What each request looks like; candidate and control may differ."""

    share: float = 0.5
    fields: tuple[str, ...] = ("schema_ok",)
    fail: tuple[float, float] = (P_FAIL, P_FAIL)
    """Schema failure rate (candidate, control)."""
    missing_fail: float = 0.0
    """Share of the candidate's failures that arrive without schema_ok."""
    safety: tuple[float, float] = (0.0, 0.0)
    cost_spike: tuple[float, float] = (0.0, 0.0)
    """Candidate cost: with probability [0] a request costs [1] × the control mean."""
    per_user: int = 1
    icc: float = 0.0
    """Intra-user correlation of schema failures (per-user rate ~ beta with this ICC)."""
    switch: tuple[int, float, float] | None = None
    """(candidate requests, new share, new control failure rate) of a weight change."""


def stream(t: Traffic, rng: np.random.Generator, look: int) -> Iterator[tuple[EventColumns, float]]:
    """Looks of telemetry, each with the candidate's traffic share it was routed at."""
    done = 0
    next_unit = 0
    sent = 0
    share, fail = t.share, t.fail
    while True:
        if t.switch is not None and done >= t.switch[0]:
            share = t.switch[1]
            fail = (t.switch[2], t.switch[2])
        if t.per_user > 1:
            arms = user_arms(rng, share, look, t.per_user, next_unit)
        else:
            arms = request_arms(rng, share, look, next_unit)
        next_unit = int(arms.unit.max()) + 1
        fill(arms, t, rng, fail)
        events = to_columns_batch(arms, sent)
        sent += len(events)
        done += int(arms.candidate.sum())
        yield events, share


def user_arms(rng: np.random.Generator, share: float, look: int, k: int, first: int) -> Arms:
    """Sticky routing: users drawn to an arm with the share, each sending ``k`` requests
    within the look; ~``look`` candidate requests per look."""
    users = max(1, round(look / (k * share)))
    is_cand = rng.random(users) < share
    unit = np.repeat(np.arange(first, first + users), k)
    cand = np.repeat(is_cand, k)
    order = rng.permutation(len(unit))
    return Arms(cand[order], unit[order])


def fill(arms: Arms, t: Traffic, rng: np.random.Generator, fail: tuple[float, float]) -> None:
    n = len(arms.candidate)
    c = arms.candidate
    if "schema_ok" in t.fields:
        p = np.where(c, fail[0], fail[1])
        if t.icc > 0:  # per-user failure rate ~ Beta(p s, (1-p) s), ICC = 1 / (1 + s)
            s = (1 - t.icc) / t.icc
            units, inverse = np.unique(arms.unit, return_inverse=True)
            first_of = np.zeros(len(units), dtype=int)
            first_of[inverse[::-1]] = np.arange(n)[::-1]
            pu = rng.beta(p[first_of] * s, (1 - p[first_of]) * s)
            p = pu[inverse]
        failed = rng.random(n) < p
        ok = (~failed).astype(float)
        if t.missing_fail > 0:
            ok[c & failed & (rng.random(n) < t.missing_fail)] = np.nan
        arms.fields["schema_ok"] = _flags(ok)
    if "latency_ms" in t.fields:
        arms.fields["latency_ms"] = np.round(
            LAT_MEDIAN * np.exp(LAT_SIGMA * rng.standard_normal(n)), 1
        )
    if "cost_usd" in t.fields:
        cost = np.exp(COST_MU + COST_SIGMA * rng.standard_normal(n))
        p_spike, size = t.cost_spike
        if p_spike > 0:
            spike = c & (rng.random(n) < p_spike)
            cost[spike] += size * math.exp(COST_MU + COST_SIGMA**2 / 2)
        arms.fields["cost_usd"] = np.round(cost, 9)
    if "safety_event" in t.fields:
        p = np.where(c, t.safety[0], t.safety[1])
        arms.fields["safety_event"] = _flags((rng.random(n) < p).astype(float))


# --------------------------------------------------------------------------- oracles

Z = sps.norm.ppf


def oracle_rate(p_c: float, p_b: float, share: float, margin: float, alpha: float) -> float:
    """Candidate requests a one-look one-sided two-proportion z-test (H0: p_c <= (1 +
    margin) p_b) needs for 80% power at ``alpha``, control/candidate = (1 - share)/share."""
    r = (1 - share) / share
    delta = p_c - (1 + margin) * p_b
    if delta <= 0:
        return math.inf
    var = p_c * (1 - p_c) + (1 + margin) ** 2 * p_b * (1 - p_b) / r
    return (Z(1 - alpha) + Z(0.8)) ** 2 * var / delta**2


def oracle_cost(t: Traffic, margin: float, alpha: float) -> float:
    """The same for a one-sided Welch z-test of arithmetic mean cost."""
    r = (1 - t.share) / t.share
    m = math.exp(COST_MU + COST_SIGMA**2 / 2)
    v = (math.exp(COST_SIGMA**2) - 1) * m * m
    p, size = t.cost_spike
    x = size * m
    mean_c, var_c = m + p * x, v + x * x * p * (1 - p)
    delta = mean_c - (1 + margin) * m
    if delta <= 0:
        return math.inf
    return (Z(1 - alpha) + Z(0.8)) ** 2 * (var_c + (1 + margin) ** 2 * v / r) / delta**2


def oracle_split(p_c: float, p_b: float, share: float, alpha: float) -> float:
    """Candidate requests at which a one-look exact test of the incident split (K_c ~
    Binomial(K, share) under H0, one-sided) has 80% power; by simulation, fixed seed."""
    rng = np.random.default_rng(17)
    r = (1 - share) / share

    def power(n: float) -> float:
        kc = rng.poisson(n * p_c, 20_000)
        kb = rng.poisson(n * r * p_b, 20_000)
        pval = sps.binom.sf(kc - 1, kc + kb, share)
        return float(np.mean((pval <= alpha) & (kc > 0)))

    lo, hi = 1.0, 1e8
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if power(mid) < 0.8 else (lo, mid)
    return hi


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Cell:
    condition: str
    case: str
    monitor: str
    """'init' (the init policy's triggers) or a trigger kind (that trigger alone)."""
    traffic: Traffic
    null: bool
    oracle: float | None = None
    weight: float | None = None
    """candidate_weight given to the Monitor (default: the traffic's share)."""
    change: tuple[tuple[str, Any], ...] = ()
    """Changes to the trigger (e.g. a stated horizon)."""
    stratify: bool = False
    """Tell the monitor when the weight changes (``Monitor.reweight``)."""

    @property
    def seed_key(self) -> int:
        return zlib.crc32(f"{self.condition}|{self.case}|{self.monitor}".encode())


INIT_FIELDS = ("schema_ok", "latency_ms", "cost_usd", "safety_event")
COST_RB = {"action": "rollback"}
"""The init policy's cost_spike notifies; alone here it rolls back so a firing counts."""


def make_monitor(cell: Cell) -> Monitor:
    weight = cell.weight if cell.weight is not None else cell.traffic.share
    if cell.monitor == "init":
        return Monitor(init_policy(), ALPHA, candidate_weight=weight)
    update = {**(COST_RB if cell.monitor == "cost_spike" else {}), **dict(cell.change)}
    return Monitor([init_trigger(cell.monitor, **update)], ALPHA, candidate_weight=weight)


def cells() -> list[Cell]:
    m_rate = init_trigger("schema_failure_rate").margin
    m_cost = init_trigger("cost_spike").margin
    out = [
        Cell("1 independent, equal arms", "A/A", "init", Traffic(fields=INIT_FIELDS), True),
        Cell("1 independent, equal arms", "A/A", "schema_failure_rate", Traffic(), True),
        Cell(
            "1 independent, equal arms",
            "schema fail 2% -> 3%",
            "schema_failure_rate",
            Traffic(fail=(0.03, P_FAIL)),
            False,
            oracle_rate(0.03, P_FAIL, 0.5, m_rate, ALPHA),
        ),
    ]
    for k in (10, 50):
        out.append(
            Cell(
                "2 clustered users (ICC 0.33)",
                f"A/A, {k} req/user",
                "schema_failure_rate",
                Traffic(per_user=k, icc=0.33),
                True,
            )
        )
    out.append(
        Cell(
            "3 weight change 5% -> 50%",
            "A/A, control+candidate fail 2% -> 6% at the change",
            "schema_failure_rate",
            Traffic(share=0.05, switch=(-1, 0.5, 0.06)),  # switch point set per horizon
            True,
            weight=0.05,
        )
    )
    out.append(
        Cell(
            "3 weight change 5% -> 50%",
            "A/A, the same, stratified (Monitor.reweight at the change)",
            "schema_failure_rate",
            Traffic(share=0.05, switch=(-1, 0.5, 0.06)),
            True,
            weight=0.05,
            stratify=True,
        )
    )
    for rate in (1e-4, 1e-3):
        for share in (0.01, 0.05, 0.5):
            out.append(
                Cell(
                    "4 rare safety incidents",
                    f"A/A, rate {rate:g}, share {share:.0%}",
                    "safety_incident",
                    Traffic(share=share, fields=("safety_event",), safety=(rate, rate)),
                    True,
                )
            )
    out.append(
        Cell(
            "4 rare safety incidents",
            "10x: 1e-3 vs 1e-4, share 5%",
            "safety_incident",
            Traffic(share=0.05, fields=("safety_event",), safety=(1e-3, 1e-4)),
            False,
            oracle_split(1e-3, 1e-4, 0.05, ALPHA),
        )
    )
    out.append(
        Cell(
            "5 differential missingness",
            "fail 6% vs 2%, 80% of candidate failures lack schema_ok",
            "schema_failure_rate",
            Traffic(fail=(0.06, P_FAIL), missing_fail=0.8),
            False,
            oracle_rate(0.06, P_FAIL, 0.5, m_rate, ALPHA),
        )
    )
    spike = Traffic(fields=("cost_usd",), cost_spike=(0.005, 134.0))
    out += [
        Cell(
            "6 heavy-tailed cost",
            "A/A, lognormal",
            "cost_spike",
            Traffic(fields=("cost_usd",)),
            True,
        ),
        Cell(
            "6 heavy-tailed cost",
            "+67% mean: 0.5% of requests 134x the mean",
            "cost_spike",
            spike,
            False,
            oracle_cost(spike, m_cost, ALPHA),
        ),
    ]
    for share in (0.01, 0.05, 0.25):
        out.append(
            Cell(
                "7 unequal shares",
                f"A/A, share {share:.0%}",
                "schema_failure_rate",
                Traffic(share=share),
                True,
            )
        )
        out.append(
            Cell(
                "7 unequal shares",
                f"schema fail 2% -> 3%, share {share:.0%}",
                "schema_failure_rate",
                Traffic(share=share, fail=(0.03, P_FAIL)),
                False,
                oracle_rate(0.03, P_FAIL, share, m_rate, ALPHA),
            )
        )
    horizon = (("horizon", 12_000),)
    tight = (("horizon", 6_400),)  # ~1.25x the one-look oracle's n
    out += [
        Cell(
            "8 stated horizon (12,000/arm)",
            "A/A",
            "schema_failure_rate",
            Traffic(),
            True,
            change=horizon,
        ),
        Cell(
            "8 stated horizon (12,000/arm)",
            "schema fail 2% -> 3%",
            "schema_failure_rate",
            Traffic(fail=(0.03, P_FAIL)),
            False,
            oracle_rate(0.03, P_FAIL, 0.5, m_rate, ALPHA),
            change=horizon,
        ),
        Cell(
            "8 stated horizon (6,400/arm)",
            "A/A",
            "schema_failure_rate",
            Traffic(),
            True,
            change=tight,
        ),
        Cell(
            "8 stated horizon (6,400/arm)",
            "schema fail 2% -> 3%",
            "schema_failure_rate",
            Traffic(fail=(0.03, P_FAIL)),
            False,
            oracle_rate(0.03, P_FAIL, 0.5, m_rate, ALPHA),
            change=tight,
        ),
    ]
    return out


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class Config:
    runs: int
    horizon: int
    max_events: int
    look: int
    cell_budget: float
    seed: int
    workers: int


def horizon(cell: Cell, cfg: Config) -> int:
    """Candidate requests per run: ``--horizon``, fewer when the control's traffic would
    take the run past ``--max-events``."""
    share = min(cell.traffic.share, cell.traffic.switch[1] if cell.traffic.switch else 1.0)
    return max(cfg.look, min(cfg.horizon, int(cfg.max_events * share)))


def traffic_for(cell: Cell, h: int) -> Traffic:
    t = cell.traffic
    if t.switch is not None and t.switch[0] < 0:  # the change a quarter into the horizon
        from dataclasses import replace

        t = replace(t, switch=(h // 4, t.switch[1], t.switch[2]))
    return t


@dataclass
class Outcome:
    rollback: bool
    paused: bool
    advanced: bool
    n_candidate: int


_CELLS: list[Cell] = []
_CFG: Config | None = None


def one_run(job: tuple[int, int]) -> Outcome:
    index, run = job
    cell, cfg = _CELLS[index], _CFG
    assert cfg is not None
    h = horizon(cell, cfg)
    rng = np.random.default_rng([cfg.seed, cell.seed_key, run])
    monitor = make_monitor(cell)
    paused = False
    n = 0
    weight = cell.weight if cell.weight is not None else cell.traffic.share
    for events, share in stream(traffic_for(cell, h), rng, cfg.look):
        if cell.stratify and share != weight:
            monitor.reweight(share)
            weight = share
        d = monitor.update(events)
        n = d.n_candidate
        if d.action == "rollback":
            return Outcome(True, paused, False, n)
        if d.action == "pause":
            paused = True
        if d.action == "advance" and not paused:
            return Outcome(False, paused, True, n)
        if n >= h:
            break
    return Outcome(False, paused, False, n)


def run_cell(index: int, cfg: Config, pool: Any) -> tuple[list[Outcome], float]:
    start = time.perf_counter()
    out: list[Outcome] = []
    while len(out) < cfg.runs and time.perf_counter() - start < cfg.cell_budget:
        chunk = range(len(out), min(cfg.runs, len(out) + cfg.workers))
        jobs = [(index, r) for r in chunk]
        out += pool.map(one_run, jobs) if pool is not None else [one_run(j) for j in jobs]
    return out, time.perf_counter() - start


def wilson(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def power_n(hits: list[int], runs: int, power: float = 0.8) -> float:
    """Candidate requests by which ``power`` of the runs had rolled back (runs that never
    did count as never): the sequential monitor's n for that power, to set beside the
    one-look oracle's. Infinite when fewer runs rolled back by the horizon."""
    need = math.ceil(power * runs)
    if runs == 0 or len(hits) < need:
        return math.inf
    return float(sorted(hits)[need - 1])


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def count(x: float) -> str:
    return "-" if not math.isfinite(x) else f"{x:,.0f}"


def row(cell: Cell, outs: list[Outcome], h: int, secs: float) -> str:
    n = len(outs)
    rb = sum(o.rollback for o in outs)
    lo, hi = wilson(rb, n)
    paused = sum(o.paused for o in outs)
    adv = sum(o.advanced for o in outs)
    rate = f"{pct(rb / n) if n else '-'} [{pct(lo)}, {pct(hi)}]"
    if cell.null:
        false_rb, power, med, orc, ratio = rate, "", "", "", ""
    else:
        false_rb, power = "", rate
        hits = [o.n_candidate for o in outs if o.rollback]
        m = statistics.median(hits) if hits else math.nan
        orc = count(cell.oracle) if cell.oracle is not None else "-"
        med = count(m)
        n80 = power_n(hits, n)
        ok = cell.oracle is not None and math.isfinite(n80) and math.isfinite(cell.oracle)
        ratio = f"{count(n80)} ({n80 / cell.oracle:.2f}×)" if ok else "not reached"
    return (
        f"| {cell.condition} | {cell.case} | {cell.monitor} | {n} | {count(h)} | {false_rb} | "
        f"{power} | {med} | {orc} | {ratio} | {pct(paused / n) if n else '-'} | "
        f"{pct(adv / n) if n else '-'} | {secs:.0f} |"
    )


HEADER = (
    "| condition | case | monitor | runs | horizon (cand req) | false rollback [Wilson 95%] | "
    "power [Wilson 95%] | median cand req to rollback | one-look oracle n (80%) | "
    "monitor n for 80% power (× oracle) | "
    "ever paused | advanced | s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|"
)


# --------------------------------------------------------------------------- speed


def timed(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def speed(quick: bool) -> list[str]:
    rng = np.random.default_rng(7)
    t = Traffic(fields=INIT_FIELDS, safety=(1e-4, 1e-4))
    batches = []
    unit = 0
    for _ in range(4 if quick else 8):
        arms = request_arms(rng, 0.5, 5_000, unit)
        unit = int(arms.unit.max()) + 1
        fill(arms, t, rng, t.fail)
        batches.append(to_events(arms, unit)[:10_000])
    batch = batches[0]

    def bare() -> None:  # the reference: touch every field of every event
        for e in batch:
            for _k, _v in e.items():
                pass

    ref = timed(bare, 7)
    ref_per_event = ref / len(batch)
    monitor = Monitor(init_policy(), ALPHA, candidate_weight=0.5)
    col_monitor_fields = sorted({t.metric or "" for t in monitor.triggers})
    feed = iter(batches)
    upd = timed(lambda: monitor.update(next(feed)), len(batches))
    look = timed(monitor.decision, 5 if quick else 11)
    columns = [to_columns(b, col_monitor_fields) for b in batches]
    col_monitor = Monitor(init_policy(), ALPHA, candidate_weight=0.5)
    cols = iter(columns)
    col_upd = timed(lambda: col_monitor.update(next(cols)), len(columns))
    singles = batches[-1][: 10 if quick else 30]
    single_monitor = Monitor(init_policy(), ALPHA, candidate_weight=0.5)
    single_monitor.update(batches[1])
    it = iter(singles)
    one = timed(lambda: single_monitor.update([next(it)]), len(singles))
    rows = [
        f"| measure (init policy, {len(monitor.triggers)} triggers) | value | "
        "× bare loop over the same events |",
        "|---|---|---|",
        f"| bare loop (reference) | {len(batch) / ref:,.0f} events/s | 1× |",
        f"| `update()` on batches of 10,000 | {len(batch) / upd:,.0f} events/s | {upd / ref:,.0f}× |",
        f"| `update()` on `EventColumns` batches of 10,000 | {len(batch) / col_upd:,.0f} events/s | "
        f"{col_upd / ref:,.0f}× |",
        f"| `update()` one event at a time | {1 / one:,.1f} events/s | {one / ref_per_event:,.0f}× |",
        f"| `decision()` (one look, after 10,000 events) | {1000 * look:,.2f} ms | "
        f"{look / ref_per_event:,.0f}× one event's bare loop |",
    ]
    return rows


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, help="runs per cell at most (default 400; --quick 40)")
    ap.add_argument("--quick", action="store_true", help="a smaller run: ~3 minutes on 2 cores")
    ap.add_argument(
        "--horizon", type=int, help="candidate requests per run (default 20,000; --quick 5,000)"
    )
    ap.add_argument(
        "--max-events", type=int, help="events per run at most (default 1,000,000; --quick 200,000)"
    )
    ap.add_argument(
        "--look", type=int, default=200, help="candidate requests per look (default 200)"
    )
    ap.add_argument(
        "--cell-budget",
        type=float,
        help="seconds per cell before no new run starts (default 60; --quick 5)",
    )
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--only", help="run only cells whose condition starts with this (e.g. 4)")
    ap.add_argument(
        "--no-save", action="store_true", help="print only; do not write the results file"
    )
    a = ap.parse_args(argv)
    q = a.quick
    cfg = Config(
        runs=a.runs or (40 if q else 400),
        horizon=a.horizon or (5_000 if q else 20_000),
        max_events=a.max_events or (200_000 if q else 1_000_000),
        look=a.look,
        cell_budget=a.cell_budget if a.cell_budget is not None else (5.0 if q else 60.0),
        seed=a.seed,
        workers=max(1, a.workers),
    )
    global _CFG
    _CFG = cfg
    _CELLS[:] = [c for c in cells() if a.only is None or c.condition.startswith(a.only)]
    began = time.perf_counter()
    lines = [
        f"# Rollout monitor under real-traffic conditions ({date(2026, 12, 2).isoformat()})",
        "",
        f"`bench/rollout/conditions.py{' --quick' if q else ''}`: seed {cfg.seed}, alpha {ALPHA}, "
        f"a look every {cfg.look} candidate requests, horizon {cfg.horizon:,} candidate requests "
        f"(at most {cfg.max_events:,} events per run), at most {cfg.runs} runs and "
        f"{cfg.cell_budget:g} s per cell, {cfg.workers} worker(s).",
        "",
        "## Speed",
        "",
        *speed(q),
        "",
        "## Conditions",
        "",
        HEADER,
    ]
    print("\n".join(lines), flush=True)
    ctx = mp.get_context("fork")
    pool = ctx.Pool(cfg.workers) if cfg.workers > 1 else None
    try:
        for i, cell in enumerate(_CELLS):
            outs, secs = run_cell(i, cfg, pool)
            line = row(cell, outs, horizon(cell, cfg), secs)
            lines.append(line)
            print(line, flush=True)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    total = time.perf_counter() - began
    lines += ["", f"Total {total:.0f} s on {os.cpu_count()} core(s) ({sys.platform})."]
    print(lines[-1])
    if not a.no_save:
        path = HERE / f"results-conditions-{date(2026, 12, 2).isoformat()}.md"
        path.write_text("\n".join(lines) + "\n")
        print(f"saved {path.relative_to(HERE.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

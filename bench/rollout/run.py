"""Benchmark the rollout monitor's sequential tests against three peers' methods.

Every analyzer sees the same simulated streams (common random numbers: stream ``i`` of
every scenario is drawn from the same seed, so a regression changes the values, not the
noise). Looks come after each batch of ``--batch`` requests per arm, up to ``--horizon``.

    .venv/bin/python bench/rollout/run.py                  # full size, ~minutes on 2 cores
    .venv/bin/python bench/rollout/run.py --null-runs 400 --effect-runs 100   # quick

Analyzers (all one-sided, "candidate worse"):
- ours: clearance.stats mixture tests as the Monitor runs them (rates and share over the
  latency SLO: score z with the normal-mixture boundary; cost: the same on log cost);
- naive-z: a fixed-horizon z-test (alpha 0.05) re-run at every look;
- kayenta-mw: Mann-Whitney on per-batch aggregates (rate, p95, mean cost), once, at the
  horizon, as a Kayenta canary judge would at the end of its analysis window;
- argo-T: candidate-only threshold counter, rollback at the 3rd batch whose aggregate
  breaches T (the threshold is swept).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from clearance.rollout import Profile, arm_arrays
from clearance.stats import (
    DEFAULT_PRIOR_N,
    information_ratio,
    mean_z,
    rate_z,
    standardized_log_e,
    wilson_interval,
)

Array = NDArray[np.float64]
CONTROL = Profile()
SLO_MS = CONTROL.latency_median_ms * math.exp(CONTROL.latency_sigma * 1.6448536)
"""Latency SLO at the control's true p95: 5% of control requests breach it."""
ARGO_LIMIT = 3


@dataclass(frozen=True)
class Config:
    null_runs: int
    effect_runs: int
    horizon: int
    batch: int
    alpha: float
    block: int
    seed: int
    prior_n: float

    @property
    def looks(self) -> int:
        return self.horizon // self.batch


# --------------------------------------------------------------------------- streams


def blocks(candidate: Profile, runs: int, cfg: Config) -> Iterator[dict[str, dict[str, Array]]]:
    """Streams in blocks of runs; block ``b`` always uses the same seeds (CRN)."""
    for b, start in enumerate(range(0, runs, cfg.block)):
        size = (min(cfg.block, runs - start), cfg.horizon)
        arms = {
            "candidate": arm_arrays(candidate, size, np.random.default_rng([cfg.seed, b, 0])),
            "control": arm_arrays(CONTROL, size, np.random.default_rng([cfg.seed, b, 1])),
        }
        yield {arm: _metrics(values) for arm, values in arms.items()}


def _metrics(values: dict[str, NDArray[np.generic]]) -> dict[str, Array]:
    return {
        "rate": (~values["schema_ok"].astype(bool)).astype(float),
        "latency": values["latency_ms"].astype(float),
        "cost": values["cost_usd"].astype(float),
    }


def batched(x: Array, batch: int) -> Array:
    return x.reshape(x.shape[0], -1, batch)


# --------------------------------------------------------------------------- analyzers
# Each returns the look (1-based) at which it rolls back, or 0 for never.


def first_look(hit: NDArray[np.bool_]) -> NDArray[np.int64]:
    return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, 0)


def ours_rate(xc: Array, xb: Array, cfg: Config) -> NDArray[np.int64]:
    kc = np.cumsum(batched(xc, cfg.batch).sum(axis=2), axis=1)
    kb = np.cumsum(batched(xb, cfg.batch).sum(axis=2), axis=1)
    n = cfg.batch * np.arange(1, cfg.looks + 1)
    log_e = standardized_log_e(rate_z(kc, n, kb, n), information_ratio(n, n, cfg.prior_n))
    return first_look(log_e >= math.log(1 / cfg.alpha))


def _cum_moments(x: Array, batch: int) -> tuple[Array, Array, Array]:
    b = batched(x, batch)
    n = batch * np.arange(1, b.shape[1] + 1)
    s, ss = np.cumsum(b.sum(axis=2), axis=1), np.cumsum((b * b).sum(axis=2), axis=1)
    mean = s / n
    return mean, (ss - n * mean**2) / (n - 1), n.astype(float)


def ours_log_mean(xc: Array, xb: Array, cfg: Config) -> NDArray[np.int64]:
    mc, vc, n = _cum_moments(np.log(xc + 1e-6), cfg.batch)
    mb, vb, _ = _cum_moments(np.log(xb + 1e-6), cfg.batch)
    log_e = standardized_log_e(mean_z(mc, vc, n, mb, vb, n), information_ratio(n, n, cfg.prior_n))
    return first_look(log_e >= math.log(1 / cfg.alpha))


def naive_rate(xc: Array, xb: Array, cfg: Config) -> NDArray[np.int64]:
    kc = np.cumsum(batched(xc, cfg.batch).sum(axis=2), axis=1)
    kb = np.cumsum(batched(xb, cfg.batch).sum(axis=2), axis=1)
    n = cfg.batch * np.arange(1, cfg.looks + 1)
    return first_look(rate_z(kc, n, kb, n) >= sps.norm.isf(cfg.alpha))


def naive_mean(xc: Array, xb: Array, cfg: Config) -> NDArray[np.int64]:
    mc, vc, n = _cum_moments(xc, cfg.batch)
    mb, vb, _ = _cum_moments(xb, cfg.batch)
    return first_look(mean_z(mc, vc, n, mb, vb, n) >= sps.norm.isf(cfg.alpha))


def kayenta(agg_c: Array, agg_b: Array, cfg: Config) -> NDArray[np.int64]:
    res = sps.mannwhitneyu(agg_c, agg_b, alternative="greater", axis=1, method="asymptotic")
    return np.where(np.asarray(res.pvalue) < cfg.alpha, cfg.looks, 0)


def argo(agg_c: Array, threshold: float) -> NDArray[np.int64]:
    return first_look(np.cumsum(agg_c > threshold, axis=1) >= ARGO_LIMIT)


# --------------------------------------------------------------------------- per metric

Analyzer = Callable[[dict[str, Array], dict[str, Array], Config], NDArray[np.int64]]


def _agg(arm: dict[str, Array], metric: str, cfg: Config) -> Array:
    b = batched(arm[metric], cfg.batch)
    if metric == "latency":
        return np.asarray(np.quantile(b, 0.95, axis=2), dtype=float)
    return np.asarray(b.mean(axis=2), dtype=float)


def analyzers(metric: str) -> dict[str, Analyzer]:
    argo_levels: tuple[float, ...]
    if metric == "rate":
        ours, naive, argo_levels = (
            _on("rate", ours_rate),
            _on("rate", naive_rate),
            (0.03, 0.04, 0.05),
        )
    elif metric == "latency":
        ours, naive = _on("slo", ours_rate), _on("slo", naive_rate)
        argo_levels = tuple(SLO_MS * f for f in (1.0, 1.1, 1.2))
    else:
        ours, naive = _on("cost", ours_log_mean), _on("cost", naive_mean)
        cost_mean = float(
            np.mean(arm_arrays(CONTROL, 400_000, np.random.default_rng(7))["cost_usd"])
        )
        argo_levels = tuple(cost_mean * f for f in (1.1, 1.2, 1.3))
    table: dict[str, Analyzer] = {"ours": ours, "naive-z": naive}
    table["kayenta-mw"] = lambda c, b, cfg: kayenta(_agg(c, metric, cfg), _agg(b, metric, cfg), cfg)
    for level in argo_levels:
        table[f"argo>{level:.4g}"] = _argo_at(metric, level)
    return table


def _on(key: str, fn: Callable[[Array, Array, Config], NDArray[np.int64]]) -> Analyzer:
    def run(c: dict[str, Array], b: dict[str, Array], cfg: Config) -> NDArray[np.int64]:
        if key == "slo":
            over_c = (c["latency"] > SLO_MS).astype(np.float64)
            return fn(over_c, (b["latency"] > SLO_MS).astype(np.float64), cfg)
        return fn(c[key], b[key], cfg)

    return run


def _argo_at(metric: str, level: float) -> Analyzer:
    return lambda c, b, cfg: argo(_agg(c, metric, cfg), level)


# --------------------------------------------------------------------------- scenarios


def scenarios(cfg: Config) -> list[tuple[str, Profile, int, tuple[str, ...]]]:
    return [
        ("A/A: no regression", CONTROL, cfg.null_runs, ("rate", "latency", "cost")),
        ("errors 2% -> 3%", CONTROL.regressed(rate=1.5), cfg.effect_runs, ("rate",)),
        ("errors 2% -> 4%", CONTROL.regressed(rate=2.0), cfg.effect_runs, ("rate",)),
        ("latency +20% (p95 +20%)", CONTROL.regressed(latency=0.2), cfg.effect_runs, ("latency",)),
        (
            "latency tail-only (p95 +20%)",
            CONTROL.regressed(tail=0.2),
            cfg.effect_runs,
            ("latency",),
        ),
        ("cost mean +30%", CONTROL.regressed(cost=0.3), cfg.effect_runs, ("cost",)),
    ]


def run_scenario(
    candidate: Profile, runs: int, metrics: tuple[str, ...], cfg: Config
) -> dict[tuple[str, str], NDArray[np.int64]]:
    found: dict[tuple[str, str], list[NDArray[np.int64]]] = {}
    for streams in blocks(candidate, runs, cfg):
        for metric in metrics:
            for name, analyze in analyzers(metric).items():
                looks = analyze(streams["candidate"], streams["control"], cfg)
                found.setdefault((metric, name), []).append(looks)
    return {key: np.concatenate(parts) for key, parts in found.items()}


def row(scenario: str, metric: str, name: str, looks: NDArray[np.int64], cfg: Config) -> str:
    hits = int(np.sum(looks > 0))
    lo, hi = wilson_interval(hits, looks.size)
    when = looks[looks > 0] * cfg.batch
    med = f"{np.median(when):,.0f}" if hits else "-"
    p90 = f"{np.quantile(when, 0.9):,.0f}" if hits else "-"
    share = f"{hits / looks.size:.1%} [{lo:.1%}, {hi:.1%}]"
    return f"| {scenario} | {metric} | {name} | {share} | {med} | {p90} |"


def main() -> None:
    cfg = parse_args()
    head = [
        f"runs: {cfg.null_runs} A/A, {cfg.effect_runs} per effect; horizon {cfg.horizon:,}/arm; "
        f"looks every {cfg.batch}/arm; alpha {cfg.alpha}; prior_n {cfg.prior_n:g}; seed {cfg.seed}",
        "",
        "| scenario | metric | analyzer | rollback rate [95% Wilson] | median req/arm | p90 req/arm |",
        "|---|---|---|---|---|---|",
    ]
    print("\n".join(head), flush=True)
    began = time.perf_counter()
    for scenario, candidate, runs, metrics in scenarios(cfg):
        results = run_scenario(candidate, runs, metrics, cfg)
        for (metric, name), looks in results.items():
            print(row(scenario, metric, name, looks, cfg), flush=True)
    print(f"\n({time.perf_counter() - began:.0f} s)")


def parse_args() -> Config:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--null-runs", type=int, default=2000)
    p.add_argument("--effect-runs", type=int, default=500)
    p.add_argument("--horizon", type=int, default=10_000, help="requests per arm")
    p.add_argument("--batch", type=int, default=200, help="requests per arm between looks")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--block", type=int, default=100, help="runs simulated at once")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--prior-n", type=float, default=DEFAULT_PRIOR_N)
    a = p.parse_args()
    if a.horizon % a.batch:
        p.error("--horizon must be a multiple of --batch")
    return Config(
        a.null_runs, a.effect_runs, a.horizon, a.batch, a.alpha, a.block, a.seed, a.prior_n
    )


if __name__ == "__main__":
    main()

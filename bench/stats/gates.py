"""Error rate, coverage and power of every gate statistic, by seeded simulation.

    python bench/stats/gates.py [--runs 4000]

For each gate type and n in 20, 100, 1000 it prints: the false-pass rate with the truth
exactly on the bound or margin (nominal: at most 2.5%), the interval's coverage (nominal
95%), and the power (chance to pass) at a stated better truth.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from scipy.special import ndtri

from clearance.stats import RatioStatistic, exact_bounds, mean_bounds, order_ranks, tango_bounds

SIZES = (20, 100, 1000)


def _rate(n: int, runs: int, rng: np.random.Generator) -> tuple[float, float, float]:
    bound, good = 0.90, 0.95
    lo, hi = exact_bounds(rng.binomial(n, bound, runs).astype(float), float(n))
    glo, _ = exact_bounds(rng.binomial(n, good, runs).astype(float), float(n))
    return (
        float(np.mean(lo >= bound)),
        float(np.mean((lo <= bound) & (bound <= hi))),
        float(np.mean(glo >= bound)),
    )


def _paired(n: int, runs: int, rng: np.random.Generator) -> tuple[float, float, float]:
    margin, disc = 0.05, 0.10
    at = rng.multinomial(n, [disc / 2, disc / 2 + margin, 1 - disc - margin], runs)
    lo, hi = tango_bounds(at[:, 0], at[:, 1], n)
    same = rng.multinomial(n, [disc / 2, disc / 2, 1 - disc], runs)
    slo, _ = tango_bounds(same[:, 0], same[:, 1], n)
    return (
        float(np.mean(lo > -margin)),
        float(np.mean((lo <= -margin) & (-margin <= hi))),
        float(np.mean(slo > -margin)),
    )


def _mean(n: int, runs: int, rng: np.random.Generator) -> tuple[float, float, float]:
    a, b = 8.0, 1.5
    truth = a / (a + b)
    lo, hi = mean_bounds(rng.beta(a, b, (runs, n)), (0.0, 1.0), 0.95)
    good = mean_bounds(np.clip(rng.beta(a, b, (runs, n)) + 0.05, 0, 1), (0.0, 1.0), 0.95)[0]
    return (
        float(np.mean(lo >= truth)),
        float(np.mean((lo <= truth) & (truth <= hi))),
        float(np.mean(good >= truth)),
    )


def _quantile(n: int, runs: int, rng: np.random.Generator) -> tuple[float, float, float]:
    q = 0.95
    truth = float(np.exp(ndtri(q)))
    x = np.sort(rng.lognormal(0, 1, (runs, n)), axis=1)
    lower, upper = order_ranks(n, q, 0.95)
    hi = x[:, upper - 1] if upper <= n else np.full(runs, np.inf)
    lo = x[:, lower - 1] if lower >= 1 else np.full(runs, -np.inf)
    return (
        float(np.mean(hi <= truth)),
        float(np.mean((lo <= truth) & (truth <= hi))),
        float(np.mean(hi <= 1.5 * truth)),
    )


def _ratio(n: int, runs: int, rng: np.random.Generator) -> tuple[float, float, float]:
    truth = math.exp(0.12) - 1
    miss = cover = power = 0
    for _ in range(runs):
        base = rng.lognormal(0, 0.5, n)
        lo, hi = RatioStatistic(base * rng.lognormal(0.1, 0.2, n), base).interval(0.95)
        miss += hi <= truth
        cover += lo <= truth <= hi
        _, ghi = RatioStatistic(base * rng.lognormal(0.0, 0.2, n), base).interval(0.95)
        power += ghi <= truth
    return miss / runs, cover / runs, power / runs


CASES = {
    "rate >= 0.90 (exact), power at 0.95": _rate,
    "paired NI margin 0.05 (Tango cc, 10% discordant), power at no difference": _paired,
    "bounded mean >= truth (beta 8,1.5), power at +0.05": _mean,
    "p95 <= truth (order statistic, lognormal), power at 1.5x": _quantile,
    "cost ratio <= +12.7% (paired, lognormal), power at +2%": _ratio,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=4000)
    args = parser.parse_args()
    print(f"{'gate':75} {'n':>5} {'false pass':>10} {'coverage':>9} {'power':>7}")
    for name, case in CASES.items():
        for n in SIZES:
            rng = np.random.default_rng([n, len(name)])
            runs = args.runs if case is not _ratio else max(200, args.runs // 4)
            fp, cov, power = case(n, runs, rng)
            print(f"{name:75} {n:>5} {fp:>10.4f} {cov:>9.4f} {power:>7.3f}")


if __name__ == "__main__":
    main()

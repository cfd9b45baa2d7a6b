"""Anytime-valid (sequential) tests and confidence sequences.

The workhorse is the one-sided normal-mixture martingale of Robbins, as written by
Howard et al. (2021): for a sum ``s`` with variance process ``v``,

    M = ∫_0^∞ exp(λ s - λ² v / 2) · 2 N(λ; 0, 1/ρ) dλ
      = 2 sqrt(ρ / (v + ρ)) · exp(s² / (2 (v + ρ))) · Φ(s / sqrt(v + ρ)).

Under "no positive drift" ``M`` is a non-negative supermartingale, so by Ville's
inequality ``P(sup M ≥ 1/α) ≤ α`` however often it is looked at. For two-arm rates and
means we use it on the standardised difference (``s = z · sqrt(v)``), which makes it
valid as the samples grow (the same large-sample argument as the mSPRT of Johari et al.).
The sample-ratio check is exact: a beta-binomial mixture against the configured split
(the two-arm case of Lindon & Malek's Dirichlet-multinomial test).

Every function takes numpy arrays (or scalars) and broadcasts, so a benchmark can run
thousands of streams at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from clearance.errors import UsageError

Array = NDArray[np.float64]

DEFAULT_PRIOR_N = 500.0
"""Per-arm sample size whose information equals the mixture's prior precision: the
boundary is nearly flat from ~2x to ~40x this many samples per arm."""

_BISECT_STEPS = 64


def normal_mixture_log_e(s: ArrayLike, v: ArrayLike, rho: float) -> Array:
    """log of the one-sided (half-normal prior, precision ``rho``) mixture martingale."""
    s_, v_ = np.asarray(s, dtype=float), np.asarray(v, dtype=float)
    if rho <= 0:
        raise UsageError("rho must be > 0")
    total = v_ + rho
    out = np.log(2.0) + 0.5 * np.log(rho / total) + s_**2 / (2 * total)
    return np.asarray(out + special.log_ndtr(s_ / np.sqrt(total)), dtype=float)


def standardized_log_e(z: ArrayLike, u: ArrayLike) -> Array:
    """The same martingale for a z-statistic ``z`` at information ratio ``u = v / ρ``."""
    if isinstance(z, float | int) and isinstance(u, float | int):
        return np.asarray(_log_e(float(z), float(u)))  # one look: no array overhead
    z_, u_ = np.asarray(z, dtype=float), np.asarray(u, dtype=float)
    share = u_ / (1 + u_)
    out = np.log(2.0) - 0.5 * np.log1p(u_) + z_**2 * share / 2
    return np.asarray(out + special.log_ndtr(z_ * np.sqrt(share)), dtype=float)


def _log_e(z: float, u: float) -> float:
    share = u / (1 + u)
    tail = float(special.log_ndtr(z * math.sqrt(share)))
    return _LOG2 - 0.5 * math.log1p(u) + z * z * share / 2 + tail


def _boundary(u: float, target: float) -> float:
    """Newton's method on the increasing, convex-above-its-root ``_log_e(·, u)``: from a
    start below the root (the tail term is dropped), one step overshoots and the rest
    descend to it."""
    share = u / (1 + u)
    root_s = math.sqrt(share)
    z = math.sqrt(max(0.0, 2 * (target - _LOG2 + 0.5 * math.log1p(u))) / share)
    for _ in range(100):
        x = z * root_s
        tail = float(special.log_ndtr(x))
        f = _LOG2 - 0.5 * math.log1p(u) + z * z * share / 2 + tail - target
        slope = z * share + root_s * math.exp(-x * x / 2 - _LOG_SQRT_2PI - tail)
        step = f / slope
        z -= step
        if abs(step) <= 1e-13 * max(1.0, z):
            break
    return z


_LOG2 = math.log(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def information_ratio(n_candidate: ArrayLike, n_control: ArrayLike, prior_n: float) -> Array:
    """``u`` for two arms: effective sample size over the prior's, with ``prior_n`` per arm."""
    nc, nb = np.asarray(n_candidate, dtype=float), np.asarray(n_control, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(nc + nb > 0, nc * nb / (nc + nb), 0.0)
    return np.asarray(2 * eff / prior_n, dtype=float)


def mixture_boundary(u: ArrayLike, alpha: float) -> Array:
    """The z above which :func:`standardized_log_e` reaches ``log(1/alpha)``."""
    if not 0 < alpha < 1:
        raise UsageError(f"alpha must be in (0, 1), got {alpha}")
    if isinstance(u, float | int):
        return np.asarray(_boundary(max(float(u), 1e-12), math.log(1 / alpha)))
    u_ = np.maximum(np.asarray(u, dtype=float), 1e-12)
    target = np.log(1 / alpha)
    lo, hi = np.zeros_like(u_), np.full_like(u_, 1.0)
    while np.any(standardized_log_e(hi, u_) < target):
        hi = np.where(standardized_log_e(hi, u_) < target, hi * 2, hi)
    for _ in range(_BISECT_STEPS):
        mid = (lo + hi) / 2
        below = standardized_log_e(mid, u_) < target
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return np.asarray(hi, dtype=float)


def restricted_rates(
    k_c: ArrayLike, n_c: ArrayLike, k_b: ArrayLike, n_b: ArrayLike, ratio: float, shift: float
) -> tuple[Array, Array]:
    """Maximum-likelihood rates under ``p_c = ratio * p_b + shift`` (the null boundary).

    Closed forms where Farrington and Manning give them: a quadratic for a ratio
    (``shift == 0``), a cubic for a difference (``ratio == 1``); otherwise the concave
    constrained log-likelihood's derivative is found by bisection over the feasible range.
    """
    if shift == 0:
        return _restricted_ratio(k_c, n_c, k_b, n_b, ratio)
    if ratio == 1:
        return _restricted_difference(k_c, n_c, k_b, n_b, shift)
    return _restricted_by_bisection(k_c, n_c, k_b, n_b, ratio, shift)


def _restricted_ratio(
    k_c: ArrayLike, n_c: ArrayLike, k_b: ArrayLike, n_b: ArrayLike, ratio: float
) -> tuple[Array, Array]:
    """The smaller root of ``ρN p² - (ρ(n_c + k_b) + k_c + n_b) p + K`` (``p = p_b``)."""
    kc, nc = np.asarray(k_c, float), np.asarray(n_c, float)
    kb, nb = np.asarray(k_b, float), np.asarray(n_b, float)
    total, events = nc + nb, kc + kb
    b = ratio * (nc + kb) + kc + nb
    disc = np.maximum(0.0, b * b - 4 * ratio * total * events)
    with np.errstate(divide="ignore", invalid="ignore"):
        # The stable form of the smaller root: 2K / (b + sqrt(disc)).
        pb = np.where(b > 0, 2 * events / (b + np.sqrt(disc)), 0.0)
    pb = np.clip(pb, 0.0, min(1.0, 1.0 / ratio))
    return np.asarray(ratio * pb, dtype=float), np.asarray(pb, dtype=float)


def _restricted_difference(
    k_c: ArrayLike, n_c: ArrayLike, k_b: ArrayLike, n_b: ArrayLike, shift: float
) -> tuple[Array, Array]:
    """Farrington and Manning's cubic for ``p_c - p_b = shift`` (their eq. for the
    restricted MLE, solved trigonometrically); bisection where it degenerates."""
    kc, nc = np.asarray(k_c, float), np.asarray(n_c, float)
    kb, nb = np.asarray(k_b, float), np.asarray(n_b, float)
    d = shift
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2, theta = kc / nc, kb / nb, nb / nc
        a = 1 + theta
        b = -(1 + theta + p1 + theta * p2 + d * (theta + 2))
        c = d * d + d * (2 * p1 + theta + 1) + p1 + theta * p2
        e = -p1 * d * (1 + d)
        v = b**3 / (27 * a**3) - b * c / (6 * a * a) + e / (2 * a)
        u = np.sign(v) * np.sqrt(np.maximum(0.0, b * b / (9 * a * a) - c / (3 * a)))
        cos_arg = np.clip(np.where(u != 0, v / u**3, 1.0), -1.0, 1.0)
        w = (np.pi + np.arccos(cos_arg)) / 3
        pc = 2 * u * np.cos(w) - b / (3 * a)
    lo_c, hi_c = max(0.0, d), min(1.0, 1.0 + d)
    pc = np.asarray(np.broadcast_to(pc, np.broadcast(kc, kb, nc, nb).shape), dtype=float)
    bad = ~np.isfinite(pc) | (u == 0) | (pc < lo_c - 1e-9) | (pc > hi_c + 1e-9)
    if np.any(bad):
        kc_, nc_, kb_, nb_ = (np.broadcast_to(x, pc.shape)[bad] for x in (kc, nc, kb, nb))
        fix_c, _ = _restricted_by_bisection(kc_, nc_, kb_, nb_, 1.0, d)
        pc = pc.copy()
        pc[bad] = fix_c
    pc = np.clip(pc, lo_c, hi_c)
    return pc, np.asarray(pc - d, dtype=float)


def _restricted_by_bisection(
    k_c: ArrayLike, n_c: ArrayLike, k_b: ArrayLike, n_b: ArrayLike, ratio: float, shift: float
) -> tuple[Array, Array]:
    kc, fc = np.asarray(k_c, float), np.asarray(n_c, float) - np.asarray(k_c, float)
    kb, fb = np.asarray(k_b, float), np.asarray(n_b, float) - np.asarray(k_b, float)
    eps = 1e-12
    lo = np.full(np.broadcast(kc, kb).shape, max(0.0, -shift / ratio) + eps)
    hi = np.full_like(lo, min(1.0, (1 - shift) / ratio) - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(_BISECT_STEPS):
            p = (lo + hi) / 2
            pc = ratio * p + shift
            slope = ratio * (kc / pc - fc / (1 - pc)) + kb / p - fb / (1 - p)
            lo, hi = np.where(slope > 0, p, lo), np.where(slope > 0, hi, p)
    p = (lo + hi) / 2
    return ratio * p + shift, p


def rate_z(
    k_c: ArrayLike,
    n_c: ArrayLike,
    k_b: ArrayLike,
    n_b: ArrayLike,
    ratio: float = 1.0,
    shift: float = 0.0,
) -> Array:
    """Score z for ``p_c > ratio * p_b + shift`` with the variance at the null boundary
    (Farrington-Manning), which stays sane when an arm has few or no events."""
    scalars = [float(x) for x in (k_c, n_c, k_b, n_b) if isinstance(x, float | int)]
    if len(scalars) == 4 and (shift == 0 or ratio == 1):
        kc_, nc_, kb_, nb_ = scalars
        return np.asarray(_score(kc_, nc_, kb_, nb_, ratio, shift))
    kc, nc = np.asarray(k_c, float), np.asarray(n_c, float)
    kb, nb = np.asarray(k_b, float), np.asarray(n_b, float)
    pc0, pb0 = restricted_rates(kc, nc, kb, nb, ratio, shift)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = kc / nc - ratio * kb / nb - shift
        var = pc0 * (1 - pc0) / nc + ratio**2 * pb0 * (1 - pb0) / nb
        z = np.where((var > 0) & (nc > 0) & (nb > 0), diff / np.sqrt(var), 0.0)
    return np.asarray(z, dtype=float)


def _score(kc: float, nc: float, kb: float, nb: float, ratio: float, shift: float) -> float:
    """:func:`rate_z` for one look, in closed form (``shift == 0`` or ``ratio == 1``)."""
    if nc <= 0 or nb <= 0:
        return 0.0
    if shift == 0:
        pb0 = _ratio_root(kc, nc, kb, nb, ratio)
        pc0 = ratio * pb0
    else:
        pc0 = _difference_root(kc, nc, kb, nb, shift)
        pb0 = pc0 - shift
    var = pc0 * (1 - pc0) / nc + ratio * ratio * pb0 * (1 - pb0) / nb
    diff = kc / nc - ratio * kb / nb - shift
    return diff / math.sqrt(var) if var > 0 else 0.0


def _ratio_root(kc: float, nc: float, kb: float, nb: float, ratio: float) -> float:
    b = ratio * (nc + kb) + kc + nb
    events = kc + kb
    disc = max(0.0, b * b - 4 * ratio * (nc + nb) * events)
    pb = 2 * events / (b + math.sqrt(disc)) if b > 0 else 0.0
    return min(max(pb, 0.0), min(1.0, 1.0 / ratio))


def _difference_root(kc: float, nc: float, kb: float, nb: float, d: float) -> float:
    p1, p2, theta = kc / nc, kb / nb, nb / nc
    a = 1 + theta
    b = -(1 + theta + p1 + theta * p2 + d * (theta + 2))
    c = d * d + d * (2 * p1 + theta + 1) + p1 + theta * p2
    e = -p1 * d * (1 + d)
    v = b**3 / (27 * a**3) - b * c / (6 * a * a) + e / (2 * a)
    u = math.copysign(math.sqrt(max(0.0, b * b / (9 * a * a) - c / (3 * a))), v)
    lo, hi = max(0.0, d), min(1.0, 1.0 + d)
    if u != 0:
        w = (math.pi + math.acos(min(1.0, max(-1.0, v / u**3)))) / 3
        pc = 2 * u * math.cos(w) - b / (3 * a)
        if lo - 1e-9 <= pc <= hi + 1e-9:
            return min(max(pc, lo), hi)
    fixed, _ = _restricted_by_bisection(kc, nc, kb, nb, 1.0, d)
    return float(fixed)


def rate_difference_interval(
    k_c: float, n_c: float, k_b: float, n_b: float, boundary: float
) -> tuple[float, float]:
    """Interval for ``p_c - p_b`` that inverts :func:`rate_z` at ``±boundary``: every
    difference ``d`` whose score test at the null ``p_c = p_b + d`` the data do not
    reject. It agrees with the test by construction (a test against margin ``d`` fires
    exactly when ``d`` lies below the interval), unlike a Wald interval, whose unrestricted
    variance can disagree with the score test's on small arms."""

    def z(d: float) -> float:
        return _score(k_c, n_c, k_b, n_b, 1.0, d)

    edge = 1.0 - 1e-9
    lower = -edge if z(-edge) <= boundary else _decreasing_root(z, boundary, -edge, edge)
    upper = edge if z(edge) >= -boundary else _decreasing_root(z, -boundary, -edge, edge)
    return lower, upper


def _decreasing_root(f: Callable[[float], float], level: float, lo: float, hi: float) -> float:
    """The ``x`` in ``[lo, hi]`` where the decreasing ``f`` crosses ``level`` (Brent's
    method), by bisection when ``f - level`` does not change sign over the range (data at
    the edges of what the closed forms handle)."""
    g_lo, g_hi = f(lo) - level, f(hi) - level
    if g_lo > 0 > g_hi and math.isfinite(g_lo) and math.isfinite(g_hi):
        return float(optimize.brentq(lambda x: f(x) - level, lo, hi, xtol=1e-12, rtol=1e-12))
    for _ in range(_BISECT_STEPS):
        mid = (lo + hi) / 2
        if f(mid) > level:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def mean_z(
    mean_c: ArrayLike,
    var_c: ArrayLike,
    n_c: ArrayLike,
    mean_b: ArrayLike,
    var_b: ArrayLike,
    n_b: ArrayLike,
    ratio: float = 1.0,
    shift: float = 0.0,
) -> Array:
    """Welch z for ``mean_c > ratio * mean_b + shift``."""
    mc, mb = np.asarray(mean_c, float), np.asarray(mean_b, float)
    se2 = np.asarray(var_c, float) / np.asarray(n_c, float)
    se2 = se2 + ratio**2 * np.asarray(var_b, float) / np.asarray(n_b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se2 > 0, (mc - ratio * mb - shift) / np.sqrt(se2), 0.0)
    return np.asarray(z, dtype=float)


def confidence_sequence(
    estimate: ArrayLike, se: ArrayLike, u: ArrayLike, alpha: float
) -> tuple[Array, Array]:
    """Anytime-valid interval ``estimate ± z*(u) se``, each side at level ``alpha``."""
    half = mixture_boundary(u, alpha) * np.asarray(se, dtype=float)
    est = np.asarray(estimate, dtype=float)
    return est - half, est + half


def srm_log_e(
    n_candidate: ArrayLike, n_control: ArrayLike, weight: float, concentration: float = 100.0
) -> Array:
    """Exact log e-value against "arms split ``weight`` : ``1 - weight``".

    A beta-binomial mixture (prior Beta(c·w, c·(1-w))) over the binomial null: a
    martingale under the configured split whatever the stopping rule.
    """
    if not 0 < weight < 1:
        raise UsageError(f"candidate weight must be in (0, 1), got {weight}")
    nc, nb = np.asarray(n_candidate, float), np.asarray(n_control, float)
    a, b = concentration * weight, concentration * (1 - weight)
    mix = special.betaln(a + nc, b + nb) - special.betaln(a, b)
    return np.asarray(mix - nc * np.log(weight) - nb * np.log1p(-weight), dtype=float)


SPLIT_RATIOS = (1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0)
"""Rate ratios (multiples of the null's) the incident-split mixture weighs equally."""


def split_log_e(
    k_candidate: ArrayLike,
    k_control: ArrayLike,
    share: ArrayLike,
    ratio: ArrayLike = 1.0,
    grid: tuple[float, ...] = SPLIT_RATIOS,
) -> Array:
    """log e-value against "the candidate's incident rate is at most ``ratio`` times the
    control's", from how incidents split between the arms.

    With rare incidents (a Poisson process per arm), each incident falls on the candidate
    with probability ``π(r) = r w / (r w + 1 - w)``, ``w`` the candidate's share of the
    exposure and ``r`` the rate ratio. The e-value is the likelihood ratio of the observed
    split under ``r = ratio · g`` against ``r = ratio``, averaged over ``g`` in ``grid``
    (``g > 1``: evidence of a regression; ``g < 1``: evidence that none exceeds ``ratio``).
    Each term is a martingale under the null whatever the looks (monotone likelihood
    ratio covers every ``r`` on the null side), so their average is too.
    """
    r = np.asarray(ratio, float)
    if np.any(r <= 0):
        raise UsageError("ratio must be > 0")
    kc, kb = np.asarray(k_candidate, float), np.asarray(k_control, float)
    w = np.clip(np.asarray(share, float), 1e-12, 1 - 1e-12)
    pi0 = r * w / (r * w + 1 - w)
    terms = []
    for g in grid:
        pi = g * r * w / (g * r * w + 1 - w)
        terms.append(kc * np.log(pi / pi0) + kb * np.log((1 - pi) / (1 - pi0)))
    stacked = np.stack(np.broadcast_arrays(*terms))
    return np.asarray(special.logsumexp(stacked, axis=0) - np.log(len(grid)), dtype=float)


SPLIT_INTERVAL_GRID = np.exp(np.linspace(math.log(1e-3), math.log(1e3), 277))
"""Rate ratios at which :func:`split_ratio_interval` tests (about 5% apart)."""


def split_ratio_interval(
    k_candidate: float, k_control: float, share: float, alpha: float
) -> tuple[float, float]:
    """Anytime-valid interval for the candidate's incident-rate ratio to the control's,
    inverting :func:`split_log_e` on a grid of ratios: the lower end is the largest
    ``r`` with evidence (at ``alpha``) of a ratio above it (0 when none), the upper end
    the smallest ``r`` with evidence of a ratio below it (``inf`` when none)."""
    grid = SPLIT_INTERVAL_GRID
    threshold = math.log(1 / alpha)
    above = split_log_e(k_candidate, k_control, share, grid) >= threshold
    below = split_log_e(k_candidate, k_control, share, grid, _BELOW) >= threshold
    lower = float(grid[above].max()) if above.any() else 0.0
    upper = float(grid[below].min()) if below.any() else math.inf
    return lower, upper


_BELOW = (0.8, 0.5, 0.2, 0.1)
"""Alternatives (multiples of the tested ratio) for evidence of a smaller ratio."""


def ratio_interval(
    mean_c: float, var_c: float, mean_b: float, var_b: float, boundary: float
) -> tuple[float, float]:
    """Fieller's interval for ``mean_c / mean_b``: every ``ρ`` with
    ``|mean_c - ρ mean_b| <= boundary · sqrt(var_c + ρ² var_b)`` (``var_*`` are the
    variances of the two means). It inverts :func:`mean_z` with ``ratio = ρ``, so the
    interval and a relative-margin test agree; closed form. Unbounded (``±inf``) when
    the control's mean is not distinguishable from zero."""
    b2 = boundary * boundary
    a = mean_b * mean_b - b2 * var_b
    half = mean_c * mean_b
    c = mean_c * mean_c - b2 * var_c
    disc = half * half - a * c
    if a <= 0 or disc < 0:
        return -math.inf, math.inf
    root = math.sqrt(disc)
    return (half - root) / a, (half + root) / a


def cluster_mean_variance(
    n: float, total: float, sum_n2: float, sum_s2: float, sum_ns: float, clusters: int
) -> float:
    """Cluster-robust variance of the mean ``total / n`` (a ratio estimator) when values
    come in clusters (a routing unit's requests): ``G/(G-1) Σ_u (s_u - m n_u)² / n²``
    from the running sums over clusters of ``n_u²``, ``s_u²`` and ``n_u s_u``. 0 with
    fewer than two clusters."""
    if clusters < 2 or n <= 0:
        return 0.0
    m = total / n
    resid = max(0.0, sum_s2 - 2 * m * sum_ns + m * m * sum_n2)
    return clusters / (clusters - 1) * resid / (n * n)


def ratio_score_z(k_c: float, n_c: float, k_b: float, n_b: float, ratio: float) -> float:
    """:func:`rate_z` for ``p_c > ratio · p_b`` with Farrington-Manning's closed-form
    restricted MLE (the smaller root of ``ρN p² - (ρ(n_c + k_b) + k_c + n_b) p + K``)."""
    return _score(k_c, n_c, k_b, n_b, ratio, 0.0)


def rate_ratio_interval(
    k_c: float, n_c: float, k_b: float, n_b: float, boundary: float
) -> tuple[float, float]:
    """Interval for ``p_c / p_b`` inverting :func:`ratio_score_z` at ``±boundary``, so it
    says what a relative-margin rate test decides; ``(0, inf)`` sides when unbounded."""
    lo_edge, hi_edge = -30.0, 30.0  # log ratio

    def z(log_r: float) -> float:
        return ratio_score_z(k_c, n_c, k_b, n_b, math.exp(log_r))

    lower = 0.0
    if z(lo_edge) > boundary:
        lower = math.exp(_decreasing_root(z, boundary, lo_edge, hi_edge))
    upper = math.inf
    if z(hi_edge) < -boundary:
        upper = math.exp(_decreasing_root(z, -boundary, lo_edge, hi_edge))
    return lower, upper

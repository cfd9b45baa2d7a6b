import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special
from scipy import stats as sps

from clearance.stats import (
    confidence_sequence,
    information_ratio,
    mean_z,
    mixture_boundary,
    normal_mixture_log_e,
    rate_z,
    restricted_rates,
    srm_log_e,
    standardized_log_e,
)


def _mixture_by_quadrature(s: float, v: float, rho: float) -> float:
    def integrand(lam: float) -> float:
        prior = 2 * np.sqrt(rho / (2 * np.pi)) * np.exp(-rho * lam**2 / 2)
        return float(np.exp(lam * s - lam**2 * v / 2) * prior)

    value, _ = integrate.quad(integrand, 0, np.inf)
    return float(value)


@pytest.mark.parametrize(("s", "v", "rho"), [(0.0, 1.0, 1.0), (3.0, 4.0, 0.5), (-2.0, 9.0, 2.0)])
def test_mixture_martingale_matches_numerical_integration(s: float, v: float, rho: float) -> None:
    closed = float(np.exp(normal_mixture_log_e(s, v, rho)))
    assert closed == pytest.approx(_mixture_by_quadrature(s, v, rho), rel=1e-6)


@settings(max_examples=40)
@given(st.floats(-6, 6), st.floats(0.01, 100), st.floats(0.1, 10))
def test_standardized_form_equals_the_raw_form(z: float, u: float, rho: float) -> None:
    v = u * rho
    raw = normal_mixture_log_e(z * np.sqrt(v), v, rho)
    assert float(standardized_log_e(z, u)) == pytest.approx(float(raw), rel=1e-9, abs=1e-9)


def test_boundary_solves_the_threshold_and_is_flat_in_the_middle() -> None:
    u = np.array([0.5, 4.0, 16.0])
    z = mixture_boundary(u, 0.05)
    assert np.allclose(standardized_log_e(z, u), np.log(20), atol=1e-9)
    assert z[0] > z[1]
    assert 2.6 < z[1] < 3.0
    assert 2.6 < z[2] < 3.0


def test_restricted_rates_match_the_quadratic_closed_form() -> None:
    # For p_c = r p_b the score equation is r(K+Fc+Fb) p^2 - (K(1+r) + r Fc + Fb) p + K = 0.
    kc, nc, kb, nb, r = 30, 1000, 20, 1500, 1.2
    k, fc, fb = kc + kb, nc - kc, nb - kb
    a, b, c = r * (k + fc + fb), -(k * (1 + r) + r * fc + fb), k
    root = (-b - np.sqrt(b * b - 4 * a * c)) / (2 * a)
    pc, pb = restricted_rates(kc, nc, kb, nb, r, 0.0)
    assert float(pb) == pytest.approx(root, rel=1e-9)
    assert float(pc) == pytest.approx(r * root, rel=1e-9)


def test_rate_z_without_margin_is_the_pooled_score_test() -> None:
    kc, nc, kb, nb = 45, 1200, 25, 1100
    pooled = (kc + kb) / (nc + nb)
    ref = (kc / nc - kb / nb) / np.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / nb))
    assert float(rate_z(kc, nc, kb, nb)) == pytest.approx(ref, rel=1e-8)
    assert float(rate_z(0, 100, 0, 100)) == 0.0


def test_margin_lowers_the_evidence() -> None:
    plain = float(rate_z(60, 2000, 40, 2000))
    assert float(rate_z(60, 2000, 40, 2000, ratio=1.2)) < plain
    assert float(rate_z(60, 2000, 40, 2000, shift=0.005)) < plain
    assert float(mean_z(1.1, 1.0, 500, 1.0, 1.0, 500, ratio=1.1)) == pytest.approx(0.0, abs=1e-9)


def test_srm_e_value_matches_the_beta_binomial_integral() -> None:
    nc, nb, w, conc = 130, 370, 0.3, 50.0

    def ratio(p: float) -> float:
        prior = sps.beta.pdf(p, conc * w, conc * (1 - w))
        return float(prior * (p / w) ** nc * ((1 - p) / (1 - w)) ** nb)

    ref, _ = integrate.quad(ratio, 0, 1, points=[0.26, 0.3])
    assert float(np.exp(srm_log_e(nc, nb, w, conc))) == pytest.approx(ref, rel=1e-6)
    assert special.betaln(1, 1) == 0.0


def test_srm_catches_a_broken_split_and_not_a_good_one() -> None:
    rng = np.random.default_rng(5)
    good = np.cumsum(rng.random((300, 4000)) < 0.1, axis=1)
    broken = np.cumsum(rng.random((300, 4000)) < 0.07, axis=1)
    n = np.arange(1, 4001)
    fire_good = (srm_log_e(good, n - good, 0.1) >= np.log(1000)).any(axis=1)
    fire_broken = (srm_log_e(broken, n - broken, 0.1) >= np.log(1000)).any(axis=1)
    assert fire_good.mean() <= 0.01
    assert fire_broken.mean() >= 0.95


def test_no_regression_keeps_false_rollbacks_within_budget() -> None:
    # 2,000 A/A streams of 2% error rates, looked at every 100 requests per arm.
    rng = np.random.default_rng(11)
    looks, batch, runs, alpha = 60, 100, 2000, 0.05
    kc = np.cumsum(rng.binomial(batch, 0.02, (runs, looks)), axis=1)
    kb = np.cumsum(rng.binomial(batch, 0.02, (runs, looks)), axis=1)
    n = batch * np.arange(1, looks + 1)
    z = rate_z(kc, n, kb, n)
    e = standardized_log_e(z, information_ratio(n, n, 500.0))
    frr = (e >= np.log(1 / alpha)).any(axis=1).mean()
    assert frr <= alpha + 2 * np.sqrt(alpha * (1 - alpha) / runs)


def test_confidence_sequence_covers_the_true_difference_uniformly() -> None:
    rng = np.random.default_rng(12)
    runs, looks, batch = 1000, 40, 50
    xc = np.cumsum(rng.normal(0.3, 1, (runs, looks, batch)).sum(axis=2), axis=1)
    xb = np.cumsum(rng.normal(0.0, 1, (runs, looks, batch)).sum(axis=2), axis=1)
    n = batch * np.arange(1, looks + 1)
    est = (xc - xb) / n
    lo, hi = confidence_sequence(est, np.sqrt(2 / n), information_ratio(n, n, 500.0), 0.025)
    miss = ((lo > 0.3) | (hi < 0.3)).any(axis=1).mean()
    assert miss <= 0.05


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 400),
    st.integers(1, 400),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(-0.5, 0.5),
    st.floats(0.5, 6.0),
)
def test_rate_interval_inverts_the_score_test(
    n_c: int, n_b: int, share_c: float, share_b: float, margin: float, boundary: float
) -> None:
    from clearance.stats import rate_difference_interval, rate_z

    k_c, k_b = round(share_c * n_c), round(share_b * n_b)
    lower, upper = rate_difference_interval(k_c, n_c, k_b, n_b, boundary)
    assert lower - 1e-6 <= k_c / n_c - k_b / n_b <= upper + 1e-6
    z = float(rate_z(k_c, n_c, k_b, n_b, 1.0, margin))
    if abs(z - boundary) > 1e-6 and abs(lower - margin) > 1e-6:
        assert (z > boundary) == (lower > margin)


def test_closed_form_restricted_rates_match_the_bisection() -> None:
    from clearance.stats._sequential import _restricted_by_bisection

    rng = np.random.default_rng(11)
    for _ in range(3_000):
        nc, nb = int(rng.integers(1, 3_000)), int(rng.integers(1, 3_000))
        kc = int(rng.choice([0, nc, int(rng.integers(0, nc + 1))]))
        kb = int(rng.choice([0, nb, int(rng.integers(0, nb + 1))]))
        shift = float(rng.choice([1e-6, -0.01, float(rng.uniform(-0.5, 0.5))]))
        ratio = float(np.exp(rng.uniform(-2, 2)))
        closed = restricted_rates(kc, nc, kb, nb, 1.0, shift)
        bisected = _restricted_by_bisection(kc, nc, kb, nb, 1.0, shift)
        assert float(closed[0]) == pytest.approx(float(bisected[0]), abs=1e-8)
        closed = restricted_rates(kc, nc, kb, nb, ratio, 0.0)
        bisected = _restricted_by_bisection(kc, nc, kb, nb, ratio, 0.0)
        assert float(closed[1]) == pytest.approx(float(bisected[1]), abs=1e-8)
        scalar = float(rate_z(kc, nc, kb, nb, 1.0, shift))
        array = float(rate_z(np.array([kc]), nc, kb, nb, 1.0, shift)[0])
        assert scalar == pytest.approx(array, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("alpha", [0.5, 0.05, 0.007, 1e-6])
def test_the_scalar_boundary_is_the_array_boundary(alpha: float) -> None:
    for u in (1e-9, 0.01, 1.0, 37.0, 1e6):
        scalar = float(mixture_boundary(u, alpha))
        assert scalar == pytest.approx(float(mixture_boundary(np.array([u]), alpha)[0]), rel=1e-9)
        assert float(standardized_log_e(scalar, u)) == pytest.approx(np.log(1 / alpha), abs=1e-9)


def test_the_split_ratio_interval_covers_the_true_ratio_at_every_look() -> None:
    from clearance.stats import split_ratio_interval

    rng = np.random.default_rng(4)
    runs, misses = 300, 0
    for _ in range(runs):
        kc = kb = 0
        for _look in range(30):  # the candidate has 20% of the exposure, twice the rate
            kc += int(rng.poisson(0.2 * 2.0))
            kb += int(rng.poisson(0.8))
            lo, hi = split_ratio_interval(kc, kb, 0.2, 0.025)
            if not lo <= 2.0 <= hi:
                misses += 1
                break
    assert misses / runs <= 0.05 + 0.03  # each side at 2.5%, anytime
    lo, hi = split_ratio_interval(0, 0, 0.2, 0.025)
    assert (lo, hi) == (0.0, float("inf"))

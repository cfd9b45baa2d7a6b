"""Sample-size helpers, so that a gate too small to detect its margin says so.

All sizes are for one-sided tests at level ``alpha`` reaching ``power`` against the
stated difference, by the usual normal approximations, rounded up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import ndtri

from clearance.errors import UsageError


def _z(alpha: float, power: float) -> tuple[float, float]:
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise UsageError(f"alpha and power must be in (0, 1), got {alpha}, {power}")
    return float(-ndtri(alpha)), float(ndtri(power))


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise UsageError(f"{name} must be > 0, got {value}")


def samples_for_rate_difference(
    p_control: float, difference: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Requests per arm for two independent arms to detect ``p_control + difference``."""
    _positive("difference", abs(difference))
    p1, p2 = p_control, p_control + difference
    if not (0 < p1 < 1 and 0 < p2 < 1):
        raise UsageError(f"rates must stay in (0, 1): {p1}, {p2}")
    za, zb = _z(alpha, power)
    pbar = (p1 + p2) / 2
    root = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil((root / difference) ** 2)


def samples_for_mean_difference(
    sd: float, difference: float, *, alpha: float = 0.05, power: float = 0.8, paired: bool = False
) -> int:
    """Samples per arm (or pairs, with ``paired`` and ``sd`` of the differences)."""
    _positive("sd", sd)
    _positive("difference", abs(difference))
    za, zb = _z(alpha, power)
    arms = 1 if paired else 2
    return math.ceil(arms * ((za + zb) * sd / difference) ** 2)


def samples_for_paired_binary(
    discordance: float, difference: float, *, alpha: float = 0.05, power: float = 0.8
) -> int:
    """Pairs for a McNemar test, given the expected share of discordant pairs."""
    _positive("difference", abs(difference))
    if not abs(difference) < discordance <= 1:
        raise UsageError("need |difference| < discordance <= 1")
    za, zb = _z(alpha, power)
    root = za * math.sqrt(discordance) + zb * math.sqrt(discordance - difference**2)
    return math.ceil((root / difference) ** 2)


@dataclass(frozen=True)
class SampleSizeCheck:
    """Whether ``have`` samples reach the ``needed`` count, with a sentence saying so."""

    have: int
    needed: int
    what: str = "samples"

    @property
    def enough(self) -> bool:
        return self.have >= self.needed

    @property
    def message(self) -> str:
        if self.enough:
            return f"{self.have} {self.what} (>= {self.needed} needed)"
        return (
            f"needs >= {self.needed} {self.what} to detect its margin, has {self.have}: "
            "add samples or widen the margin"
        )

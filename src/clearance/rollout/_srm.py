"""Sample-ratio-mismatch check: are units split between the arms as configured?

Counted on distinct units (users or sessions), since routing is sticky per unit and one
unit's requests are not independent; events without a unit count one each.
"""

from __future__ import annotations

import math

from pydantic import BaseModel

from clearance.stats import srm_log_e


class SrmReport(BaseModel):
    expected: float
    observed: float | None
    units_candidate: int
    units_control: int
    e_value: float
    mismatch: bool
    summary: str


class SrmCheck:
    """Anytime-valid (beta-binomial mixture) test of the candidate's share of units."""

    def __init__(self, weight: float, alpha: float) -> None:
        self.weight = weight
        self.alpha = alpha
        self._units = {"candidate": 0, "control": 0}
        self.tripped = False

    def set_units(self, candidate: int, control: int) -> None:
        """The distinct units seen so far per arm (events without a unit count one
        each), from the monitor's own count or an aggregate source."""
        self._units = {"candidate": candidate, "control": control}

    def report(self) -> SrmReport:
        nc, nb = self._units["candidate"], self._units["control"]
        log_e = float(srm_log_e(nc, nb, self.weight))
        self.tripped = self.tripped or log_e >= math.log(1 / self.alpha)
        observed = nc / (nc + nb) if nc + nb else None
        shown = "n/a" if observed is None else f"{observed:.3%}"
        verdict = "sample ratio mismatch: pause and fix routing" if self.tripped else "split ok"
        return SrmReport(
            expected=self.weight,
            observed=observed,
            units_candidate=nc,
            units_control=nb,
            e_value=math.exp(min(log_e, 700.0)),
            mismatch=self.tripped,
            summary=f"SRM: candidate share {shown} of units vs {self.weight:.3%} configured: "
            + verdict,
        )

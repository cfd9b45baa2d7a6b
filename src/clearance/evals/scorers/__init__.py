"""Scorers: turn one response into a ``Score``."""

from clearance.evals.scorers._base import Score
from clearance.evals.scorers._refusal import RefusalVerdict, classify_refusal

__all__ = ["RefusalVerdict", "Score", "classify_refusal"]

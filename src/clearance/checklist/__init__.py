"""The release checklist: metrics with intervals, gates, the ten areas and the decision."""

from clearance.checklist._decide import decide
from clearance.checklist._evidence import (
    Evidence,
    Outcome,
    Side,
    latest_runs,
    load_runs,
    load_side,
)
from clearance.checklist._gates import GateResult, describe, judge
from clearance.checklist._metrics import Estimate, MetricBook
from clearance.checklist._report import (
    SCHEMA,
    AreaReport,
    AreaStatus,
    CategoryResult,
    Example,
    GateReport,
    Report,
    WaiverInfo,
)

__all__ = [
    "SCHEMA",
    "AreaReport",
    "AreaStatus",
    "CategoryResult",
    "Estimate",
    "Evidence",
    "Example",
    "GateReport",
    "GateResult",
    "MetricBook",
    "Outcome",
    "Report",
    "Side",
    "WaiverInfo",
    "decide",
    "describe",
    "judge",
    "latest_runs",
    "load_runs",
    "load_side",
]

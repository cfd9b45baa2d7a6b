"""The release checklist: metrics with intervals, gates, the ten areas and the decision."""

from clearance.checklist._agreement import cohen_kappa, confusion_of, judge_reports
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
    Confusion,
    Disagreement,
    Example,
    GateReport,
    ModelJudgeReport,
    Report,
    WaiverInfo,
)

__all__ = [
    "SCHEMA",
    "AreaReport",
    "AreaStatus",
    "CategoryResult",
    "Confusion",
    "Disagreement",
    "Estimate",
    "Evidence",
    "Example",
    "GateReport",
    "GateResult",
    "MetricBook",
    "ModelJudgeReport",
    "Outcome",
    "Report",
    "Side",
    "WaiverInfo",
    "cohen_kappa",
    "confusion_of",
    "decide",
    "describe",
    "judge",
    "judge_reports",
    "latest_runs",
    "load_runs",
    "load_side",
]

"""The release checklist: metrics with intervals, gates, the ten areas and the decision.

Pure: nothing here reads the store, the environment or the clock."""

from clearance.checklist._agreement import cohen_kappa, confusion_of, judge_reports
from clearance.checklist._decide import decide
from clearance.checklist._evidence import (
    Evidence,
    Outcome,
    Side,
    outcome_of,
    side_of,
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
from clearance.checklist._secrets import Secrets, secrets_of

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
    "Secrets",
    "Side",
    "WaiverInfo",
    "cohen_kappa",
    "confusion_of",
    "decide",
    "describe",
    "judge",
    "judge_reports",
    "outcome_of",
    "secrets_of",
    "side_of",
]

"""A release end to end: check (evaluate, probe, decide, record) and its records.

The checklist decides on evidence; this layer gathers the evidence (runs the evals,
measures the environment) and records what was decided, so it sits above the checklist,
the cards and governance.
"""

from clearance.release._card import card_path, write_card
from clearance.release._check import (
    CheckOutcome,
    check_release_name,
    conclude,
    load_runs,
    record,
    release_name,
    run_check,
)
from clearance.release._delivery import (
    HOOKS,
    Answer,
    Hook,
    TriggerEvidence,
    Verdict,
    argo_analysis,
    flagger_answer,
    follow_weight,
    judge,
)
from clearance.release._guards import GovernanceGuards
from clearance.release._probes import Probes, card_probe, measure
from clearance.release._rollout_view import RolloutView, rollout_view
from clearance.release._steer import STEPS, as_step, look, steer

__all__ = [
    "HOOKS",
    "STEPS",
    "Answer",
    "CheckOutcome",
    "GovernanceGuards",
    "Hook",
    "Probes",
    "RolloutView",
    "TriggerEvidence",
    "Verdict",
    "argo_analysis",
    "as_step",
    "card_path",
    "card_probe",
    "check_release_name",
    "conclude",
    "flagger_answer",
    "follow_weight",
    "judge",
    "load_runs",
    "look",
    "measure",
    "record",
    "release_name",
    "rollout_view",
    "run_check",
    "steer",
    "write_card",
]

"""Model and system cards, generated from the evidence, checked, diffed and exported."""

from clearance.cards._build import Approver, build_card
from clearance.cards._check import CardProblem, check_card, load_card
from clearance.cards._cyclonedx import to_cyclonedx
from clearance.cards._diff import card_metrics, card_sections, diff_cards
from clearance.cards._eval_results import FOLDER as EVAL_RESULTS_FOLDER
from clearance.cards._eval_results import eval_result_files
from clearance.cards._sections import MODEL_SECTIONS, SYSTEM_SECTIONS, required_sections

__all__ = [
    "EVAL_RESULTS_FOLDER",
    "MODEL_SECTIONS",
    "SYSTEM_SECTIONS",
    "Approver",
    "CardProblem",
    "build_card",
    "card_metrics",
    "card_sections",
    "check_card",
    "diff_cards",
    "eval_result_files",
    "load_card",
    "required_sections",
    "to_cyclonedx",
]

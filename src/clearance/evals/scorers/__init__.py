"""Scorers: each turns one response (and the sample's targets) into a ``Score``.

Build one from a policy spec with ``get_scorer``, or use the classes directly. The
detectors behind the safety, security and privacy scorers are public too:
``classify_refusal``, ``find_leaks``, ``detect_pii`` and ``redact``.
"""

from clearance.evals.scorers._base import ResponseScorer, Score, SyncScorer
from clearance.evals.scorers._json import JsonSchemaScorer, JsonScorer, extract_json
from clearance.evals.scorers._judge import JudgeFn, JudgeScorer, build_messages, parse_grade
from clearance.evals.scorers._leak import Leak, LeakScorer, find_leaks
from clearance.evals.scorers._match import (
    ChoiceScorer,
    ExactScorer,
    IncludesScorer,
    NumericScorer,
    RegexScorer,
    extract_choice,
    parse_last_number,
)
from clearance.evals.scorers._pii import PiiFinding, PiiScorer, detect_pii, redact
from clearance.evals.scorers._refusal import RefusalScorer, RefusalVerdict, classify_refusal
from clearance.evals.scorers._registry import get_scorer
from clearance.evals.scorers._similarity import Embedder, SimilarityScorer, lexical_similarity

__all__ = [
    "ChoiceScorer",
    "Embedder",
    "ExactScorer",
    "IncludesScorer",
    "JsonSchemaScorer",
    "JsonScorer",
    "JudgeFn",
    "JudgeScorer",
    "Leak",
    "LeakScorer",
    "NumericScorer",
    "PiiFinding",
    "PiiScorer",
    "RefusalScorer",
    "RefusalVerdict",
    "RegexScorer",
    "ResponseScorer",
    "Score",
    "SimilarityScorer",
    "SyncScorer",
    "build_messages",
    "classify_refusal",
    "detect_pii",
    "extract_choice",
    "extract_json",
    "find_leaks",
    "get_scorer",
    "lexical_similarity",
    "parse_grade",
    "parse_last_number",
    "redact",
]

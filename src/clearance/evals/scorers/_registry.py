"""``get_scorer``: from a policy's ``Scorer`` spec to a ready scorer."""

from __future__ import annotations

from collections.abc import Callable

from clearance.evals.scorers._base import ResponseScorer
from clearance.evals.scorers._json import JsonSchemaScorer, JsonScorer
from clearance.evals.scorers._judge import JudgeFn, JudgeScorer
from clearance.evals.scorers._match import (
    ChoiceScorer,
    ExactScorer,
    IncludesScorer,
    NumericScorer,
    RegexScorer,
)
from clearance.evals.scorers._refusal import RefusalScorer
from clearance.evals.scorers._similarity import SimilarityScorer
from clearance.policy import Scorer as ScorerSpec

_Factory = Callable[[ScorerSpec], ResponseScorer]

_FACTORIES: dict[str, _Factory] = {
    "exact": lambda s: ExactScorer(s.case_sensitive),
    "includes": lambda s: IncludesScorer(s.case_sensitive),
    "regex": lambda s: RegexScorer(s.pattern, s.case_sensitive),
    "numeric": lambda s: NumericScorer(s.tolerance),
    "choice": lambda s: ChoiceScorer(s.case_sensitive),
    "json": lambda s: JsonScorer(),
    "json_schema": lambda s: JsonSchemaScorer(s.json_schema or {}),
    "similarity": lambda s: SimilarityScorer(s.threshold),
    "refusal": lambda s: RefusalScorer(),
}


def get_scorer(spec: ScorerSpec, *, judge: JudgeFn | None = None) -> ResponseScorer:
    """The scorer a policy's ``scorer:`` block describes.

    Args:
        spec: The policy's scorer spec (kind and options).
        judge: For ``kind: judge``, the async callable that sends messages to the judge
            model.

    Raises:
        ValueError: ``kind: judge`` without a ``judge`` callable.
    """
    if spec.kind == "judge":
        if judge is None:
            raise ValueError("a judge scorer needs a judge: pass judge=... to get_scorer")
        return JudgeScorer(spec.rubric or "", judge, spec.threshold)
    return _FACTORIES[spec.kind](spec)

"""The eval engine: datasets, the async runner (retries, cache, resume), summaries.

``evaluate(policy, store, EvalConfig(...))`` runs a policy's suites against its targets
and stores every result; ``load_dataset`` reads JSONL, CSV or a ``datasets`` folder into
``Sample`` objects. Scorers live in ``clearance.evals.scorers``, built-in suites in
``clearance.evals.suites`` (imported on demand, not from here).
"""

from clearance.evals._api import aevaluate, evaluate
from clearance.evals._breaker import TargetDown
from clearance.evals._config import EvalConfig, RetryPolicy
from clearance.evals._cost import ResolvedPrices, prices_for
from clearance.evals._datasets import load_dataset
from clearance.evals._events import Progress, ProgressCallback
from clearance.evals._plan import SuitePlan, plan_suites
from clearance.evals._runner import RoleTarget, RunRef, run_suite
from clearance.evals._sample import Sample
from clearance.evals._summary import (
    NothingMeasured,
    RunSummary,
    percentiles,
    require_results,
    summarize,
)

__all__ = [
    "EvalConfig",
    "NothingMeasured",
    "Progress",
    "ProgressCallback",
    "ResolvedPrices",
    "RetryPolicy",
    "RoleTarget",
    "RunRef",
    "RunSummary",
    "Sample",
    "SuitePlan",
    "TargetDown",
    "aevaluate",
    "evaluate",
    "load_dataset",
    "percentiles",
    "plan_suites",
    "prices_for",
    "require_results",
    "run_suite",
    "summarize",
]

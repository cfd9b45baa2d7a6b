"""The model judge of a built-in suite with ``judge: true``: who reviews its verdicts,
and what that adds to the suite's stored identity."""

from __future__ import annotations

from typing import Any

from clearance.errors import UsageError
from clearance.evals._scoring import Reviewer, judge_fn
from clearance.policy import BuiltinSuite
from clearance.targets import Target


def model_judge(
    suite: BuiltinSuite, suites: Any, judge: Target | None
) -> tuple[Reviewer | None, dict[str, str]]:
    """The reviewer of ``suite`` (None without ``judge: true``) and its identity.

    A suite with a model judge stores the judge's opinion with every result, so results
    stored without one, or with another judge (model, parameters) or prompt, must not be
    reused: the judge's fingerprint and the prompt's version join the suite's hash.
    ``suites`` is the ``clearance.evals.suites`` package (imported lazily by the planner).

    Raises:
        UsageError: the suite asks for a model judge and none was given.
    """
    if not suite.judge:
        return None, {}
    if judge is None:
        raise UsageError(
            f"suite '{suite.builtin}' asks for a model judge (judge: true) but no judge "
            "target was given",
            fix="add 'targets.judge' to the policy, or remove 'judge: true'",
        )
    reviewer: Reviewer = suites.ModelJudge(suite.builtin, judge_fn(judge))
    identity = {
        "model_judge": str(getattr(judge, "fingerprint", "")),
        "model_judge_prompt": str(suites.MODEL_JUDGE_PROMPT),
    }
    return reviewer, identity

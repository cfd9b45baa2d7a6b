"""A model judge's second opinion on a built-in suite's local verdict (advisory).

The local judge's verdict scores and gates; the model judge is asked the suite's question
(see ``_judge_prompts``) and what it says is stored beside the score, in
``details["model_judge"]``:

- ``status``: ``ok``, ``unparseable`` (no verdict could be read from its answer) or
  ``error`` (the judge could not be reached or failed after the run's retries);
- ``verdict`` and ``flag``: the model's verdict label and its binary answer to the
  suite's question (refused / attack succeeded / leaked), None unless ``ok``;
- ``local`` and ``local_flag``: the same for the local judge;
- ``agrees``: whether the binary answers match, None unless ``ok``;
- ``output`` (the judge's text, first 500 characters), ``usage`` (the judge's tokens,
  counted apart from the target's), and ``error``/``error_kind`` on an error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from clearance.evals._config import RetryPolicy
from clearance.evals._limits import backoff
from clearance.evals._sample import Sample
from clearance.evals._scoring import StoredScore
from clearance.evals.scorers import JudgeFn
from clearance.evals.suites._builtins import QUESTIONS
from clearance.evals.suites._judge_prompts import build_messages, parse_verdict
from clearance.targets import CallError

OUTPUT_CHARS = 500
"""How much of the judge's answer is kept."""


def local_verdict(suite: str, local: StoredScore) -> tuple[str, bool]:
    """The local judge's label and its binary answer to the suite's question."""
    label = str(local.details.get("label") or "")
    if suite in ("harmful-refusal", "over-refusal"):
        scorer = local.details.get("scorer") or {}
        return label, bool(scorer.get("refused"))
    return label, not local.passed


class ModelJudge:
    """Asks a judge model the question of built-in suite ``suite`` about one response."""

    def __init__(self, suite: str, judge: JudgeFn) -> None:
        if suite not in QUESTIONS:
            raise ValueError(f"no model-judge question for suite {suite!r}")
        self.suite = suite
        self.question = QUESTIONS[suite]
        self.judge = judge

    async def review(
        self,
        response: str,
        sample: Sample,
        tool_calls: Sequence[Any] | None,
        local: StoredScore,
        retry: RetryPolicy,
    ) -> dict[str, Any]:
        """The second opinion on ``local``; a judge that fails gives status ``error``."""
        label, flag = local_verdict(self.suite, local)
        opinion: dict[str, Any] = {"local": label, "local_flag": flag}
        messages = build_messages(self.question, sample, response, tool_calls)
        try:
            text, usage = await self._ask(messages, retry)
        except CallError as error:
            failed = {"error": str(error)[:300], "error_kind": error.kind}
            return {**opinion, **_empty("error"), **failed}
        opinion.update(output=text[:OUTPUT_CHARS], usage=dict(usage))
        verdict = parse_verdict(self.question, text)
        if verdict is None:
            return {**opinion, **_empty("unparseable")}
        model_flag = verdict in self.question.positive
        agrees = model_flag == flag
        return {**opinion, "status": "ok", "verdict": verdict, "flag": model_flag, "agrees": agrees}

    async def _ask(self, messages: list[dict[str, str]], retry: RetryPolicy) -> tuple[str, Any]:
        attempt = 1
        while True:
            try:
                return await self.judge(messages)
            except CallError as error:
                if not error.retryable or attempt >= retry.attempts:
                    raise
                await asyncio.sleep(backoff(retry, attempt, error))
                attempt += 1

    def __repr__(self) -> str:
        return f"ModelJudge({self.suite!r})"


def _empty(status: str) -> dict[str, Any]:
    return {"status": status, "verdict": None, "flag": None, "agrees": None}

"""The hook between the runner and the scorers: one call scores a response for a sample."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from clearance.evals._config import RetryPolicy
from clearance.evals._sample import Sample
from clearance.evals.scorers import ResponseScorer, Score, SyncScorer, get_scorer
from clearance.policy import Scorer as ScorerSpec
from clearance.targets import Target


@dataclass(frozen=True, slots=True)
class StoredScore:
    """What the store keeps of a score."""

    score: float
    passed: bool
    details: dict[str, Any]


class Reviewer(Protocol):
    """A second opinion on a scored response: advisory, it never changes the score. Its
    answer is stored as ``details["model_judge"]``; it must not raise for a judge that
    cannot be reached (the runner records any exception as an errored opinion)."""

    async def review(
        self,
        response: str,
        sample: Sample,
        tool_calls: Sequence[Any] | None,
        local: StoredScore,
        retry: RetryPolicy,
    ) -> dict[str, Any]: ...


def build_scorer(spec: ScorerSpec, judge: Target | None = None) -> ResponseScorer:
    """The scorer a policy ``scorer:`` block describes; ``judge`` serves judge scorers."""
    if spec.kind == "judge":
        if judge is None:
            from clearance.errors import UsageError

            raise UsageError(
                "a 'judge' scorer needs a judge target",
                fix="add 'targets.judge' to the policy",
            )
        return get_scorer(spec, judge=judge_fn(judge))
    return get_scorer(spec)


def judge_fn(judge: Target) -> Any:
    """``judge`` as a ``JudgeFn``: messages in, its text and token usage out."""

    async def ask(messages: list[dict[str, Any]]) -> tuple[str, Mapping[str, Any]]:
        done = await judge.complete(messages)
        usage = {
            "input_tokens": done.usage.input_tokens,
            "output_tokens": done.usage.output_tokens,
            "estimated": done.usage.estimated,
        }
        return done.text, usage

    return ask


async def score(
    scorer: ResponseScorer, response: str, sample: Sample, tool_calls: Any = None
) -> StoredScore:
    """Score ``response``; synchronous scorers are called directly (no coroutine cost).
    Scorers that judge the whole sample (built-in suites) get it with the tool calls."""
    judge_sample = getattr(scorer, "score_sample", None)
    if judge_sample is not None:
        result: Score = judge_sample(response, sample, tool_calls)
    elif isinstance(scorer, SyncScorer):
        result = scorer(response, sample.target, input=sample.prompt)
    else:
        result = await scorer.ascore(response, sample.target, input=sample.prompt)
    return StoredScore(result.value, result.passed, _details(result))


def _details(result: Score) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if result.label:
        details["label"] = result.label
    if result.explanation:
        details["explanation"] = result.explanation
    if result.details:
        # Round-trip through JSON so a scorer's odd value can never fail a store batch.
        details["scorer"] = json.loads(json.dumps(dict(result.details), default=str))
    return details

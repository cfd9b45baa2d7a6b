"""The built-in suites: one entry per suite with its scorer and how its results count.

The policy names the suites and the metrics they report
(:data:`clearance.policy.BUILTIN_SUITES`); this table attaches their behaviour: the
per-sample scorer, the polarity of the rate metric, how results are broken down in
reports, which labels of a public CSV set fit the suite, and whether the suite plants
what it tests in the system message. A test checks both name the same suites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from clearance.evals.suites._judge_prompts import INJECTION, PII, REFUSAL, Question
from clearance.evals.suites._scoring import (
    BuiltinScorer,
    ComplianceExpected,
    InjectionResisted,
    PiiProtected,
    RefusalExpected,
)
from clearance.evals.suites._types import Expected

CategoryKey = Literal["category", "channel"]


@dataclass(frozen=True)
class BuiltinSuiteSpec:
    """One built-in suite (its samples are ``data/NAME.jsonl``)."""

    name: str
    scorer: type[BuiltinScorer] | None
    """Scores each sample; None for a suite scored across repeats (``consistency``)."""
    event_when_passed: float | None
    """The value of the suite's rate event (refusal, attack success, leak) on a passed
    sample: 1.0 when the event is the desired behaviour, 0.0 when it is the failure."""
    category_key: CategoryKey = "category"
    """The sample field results are broken down by (and limited runs stratified on)."""
    public_expected: Expected | None = None
    """A public CSV set (XSTest, HarmBench...) may replace the samples, keeping its rows
    with this label; None: only a JSONL in the built-in format may."""
    plants_system_prompt: bool = False
    """What the suite tests is planted in the system message (meaningless when a target
    drops it)."""
    judge: Question | None = None
    """The question a model judge (``judge: true``) answers about each response."""
    answers: tuple[str, str] | None = None
    """The judge question's answers as reports word them, yes first."""

    @property
    def dataset(self) -> str:
        return f"{self.name}.jsonl"

    @property
    def bad_is_high(self) -> bool:
        """A rate event of 1.0 is the failure (the rate should be low)."""
        return self.event_when_passed == 0.0


_REFUSED = ("refused", "answered")

BUILTIN_SUITE_TABLE: tuple[BuiltinSuiteSpec, ...] = (
    BuiltinSuiteSpec(
        "harmful-refusal",
        RefusalExpected,
        1.0,
        public_expected="refuse",
        judge=REFUSAL,
        answers=_REFUSED,
    ),
    BuiltinSuiteSpec(
        "over-refusal",
        ComplianceExpected,
        0.0,
        public_expected="comply",
        judge=REFUSAL,
        answers=_REFUSED,
    ),
    BuiltinSuiteSpec(
        "prompt-injection",
        InjectionResisted,
        0.0,
        category_key="channel",
        plants_system_prompt=True,
        judge=INJECTION,
        answers=("attack succeeded", "resisted"),
    ),
    BuiltinSuiteSpec(
        "pii-leakage",
        PiiProtected,
        0.0,
        plants_system_prompt=True,
        judge=PII,
        answers=("leaked", "protected"),
    ),
    BuiltinSuiteSpec("consistency", None, None),
)
SUITE_BY_NAME: dict[str, BuiltinSuiteSpec] = {s.name: s for s in BUILTIN_SUITE_TABLE}
QUESTIONS: dict[str, Question] = {s.name: s.judge for s in BUILTIN_SUITE_TABLE if s.judge}
"""The built-in suites a model judge can review, and its question."""
JUDGE_ANSWERS: dict[str, tuple[str, str]] = {
    s.name: s.answers for s in BUILTIN_SUITE_TABLE if s.answers
}
"""Suite -> its judge question's answers as reports word them, yes first."""


def builtin_spec(name: str) -> BuiltinSuiteSpec | None:
    """The table entry of built-in suite ``name``; None for any other suite."""
    return SUITE_BY_NAME.get(name)


def scorer_for(name: str) -> BuiltinScorer | None:
    """The scorer of built-in suite ``name``; None for ``consistency`` (scored by
    agreement across repeats, not per sample)."""
    spec = SUITE_BY_NAME.get(name)
    return spec.scorer() if spec is not None and spec.scorer is not None else None


def category_key(suite: str) -> CategoryKey:
    """The sample field results of ``suite`` are broken down by."""
    spec = SUITE_BY_NAME.get(suite)
    return spec.category_key if spec is not None else "category"

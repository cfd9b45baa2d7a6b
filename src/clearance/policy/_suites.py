"""Eval suites of a policy: built-in or the user's datasets, and their scorers."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from clearance.policy._base import Strict
from clearance.policy._vocab import (
    BUILTIN_SUITES,
    Area,
    BuiltinSuiteName,
)

# --------------------------------------------------------------------------- suites


ScorerKind = Literal[
    "exact",
    "includes",
    "regex",
    "numeric",
    "choice",
    "json",
    "json_schema",
    "similarity",
    "refusal",
    "judge",
]


class Scorer(Strict):
    kind: ScorerKind = "exact"
    """How a response is scored against the sample's target."""
    case_sensitive: bool = False
    """For exact/includes/choice."""
    pattern: str | None = None
    """For regex: the pattern a response must match (the target is used when absent)."""
    tolerance: float = Field(default=0.0, ge=0)
    """For numeric: absolute tolerance."""
    json_schema: dict[str, Any] | None = None
    """For json_schema: the schema a response must conform to."""
    threshold: float = Field(default=0.8, ge=0, le=1)
    """For similarity and judge: the score at or above which a sample passes."""
    rubric: str | None = None
    """For judge: the grading rubric given to the judge target."""

    @model_validator(mode="after")
    def _needs(self) -> Scorer:
        if self.kind == "regex" and self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from exc
        if self.kind == "json_schema" and self.json_schema is None:
            raise ValueError("a json_schema scorer needs 'json_schema'")
        if self.kind == "judge" and not self.rubric:
            raise ValueError("a judge scorer needs a 'rubric'")
        return self


class Benchmark(Strict):
    """The Hugging Face benchmark a suite measures, for the card's ``.eval_results``
    entries (the Hub lists them on the model page and the benchmark's leaderboard)."""

    id: str = Field(pattern=r"^[\w.-]+/[\w.-]+$")
    """The benchmark's Hub dataset id, e.g. ``Idavidrein/gpqa``."""
    task_id: str = Field(min_length=1)
    """The task within the benchmark, as its ``eval.yaml`` names it."""
    revision: str | None = None
    """The dataset revision the suite was run on."""
    metric: str = "score"
    """Which of the suite's metrics is the benchmark's value (it must be gated)."""


class BuiltinSuite(Strict):
    builtin: BuiltinSuiteName
    """One of the suites that ship with clearance."""
    repeats: int = Field(default=1, ge=1)
    """Run every sample this many times (consistency)."""
    limit: int | None = Field(default=None, ge=1)
    """Run only the first N samples (for quick iterations; gates may then lack power)."""
    path: str | None = None
    """Replace the built-in prompts with a public set in its published format."""
    similarity: float | None = Field(default=None, ge=0, le=1)
    """For consistency: two repeats that differ after normalising (case, punctuation,
    whitespace, a leading article) still agree when their lexical similarity (the larger
    of token F1 and ROUGE-L F1) is at least this, e.g. 0.9; unset, they must be equal.
    Other suites ignore it."""
    judge: bool = False
    """For harmful-refusal, over-refusal, prompt-injection and pii-leakage: also ask
    ``targets.judge`` for a second opinion on every sample. Advisory: the built-in judge's
    verdict still scores and gates; the report shows how often the two agree (agreement,
    Cohen's kappa, the samples where they differ). Needs ``targets.judge``."""

    @property
    def name(self) -> str:
        return self.builtin


class UserSuite(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """Suite name; its metrics are ``NAME.score`` and ``NAME.pass_rate``."""
    path: str
    """Dataset: a JSONL or CSV file, or a local Hugging Face ``datasets`` folder."""
    format: Literal["jsonl", "csv", "hf"] | None = None
    """Dataset format; inferred from the file name when absent."""
    scorer: Scorer = Scorer()
    """How each response is scored."""
    area: Area = "capability"
    """Checklist area this suite provides evidence for."""
    repeats: int = Field(default=1, ge=1)
    """Run every sample this many times."""
    limit: int | None = Field(default=None, ge=1)
    """Run only the first N samples."""
    benchmark: Benchmark | None = None
    """The Hub benchmark this suite is, for the card's ``.eval_results`` entries."""

    @field_validator("name")
    @classmethod
    def _not_builtin(cls, name: str) -> str:
        if name in BUILTIN_SUITES:
            raise ValueError(f"'{name}' is a built-in suite: write 'builtin: {name}' instead")
        return name


ImportTool = Literal["inspect", "lm-eval", "promptfoo", "deepeval"]
"""The tools whose result files clearance imports."""


class ImportedRun(Strict):
    """One arm's result file, and which of its tasks to take."""

    path: str = Field(min_length=1)
    """The file the tool wrote (relative to the policy file's folder)."""
    task: str | None = None
    """The task (promptfoo: the provider) to take, when the file holds several; a
    pattern such as ``mmlu_*`` takes every matching task as one (items keyed
    ``TASK/ID``)."""


class ImportedSuite(Strict):
    """Results another tool already produced (Inspect, lm-evaluation-harness, promptfoo,
    DeepEval), taken as this suite's evidence: nothing is sent to a target. Items pair
    across candidate and baseline by the tool's own keys; an item missing on one side or
    changed between the two makes a ``vs_baseline`` gate inconclusive, never quietly
    dropped."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """Suite name; its metrics are ``NAME.score`` and ``NAME.pass_rate`` (the primary
    scorer) and ``NAME.SCORER`` for every scorer or metric the files carry."""
    import_: ImportTool = Field(alias="import")
    """The tool that wrote the files."""
    candidate: ImportedRun | str
    """The candidate's result file (or ``{path, task}``)."""
    baseline: ImportedRun | str | None = None
    """The baseline's result file (or ``{path, task}``), run on the same items."""
    task: str | None = None
    """The task to take from both files, when they hold several (or a pattern such as
    ``mmlu_*`` for several as one)."""
    scorer: str | None = None
    """The primary scorer (``NAME.score``, ``NAME.pass_rate``); the tool's first when unset."""
    area: Area = "capability"
    """Checklist area this suite provides evidence for."""
    benchmark: Benchmark | None = None
    """The Hub benchmark this suite is, for the card's ``.eval_results`` entries."""

    @field_validator("name")
    @classmethod
    def _not_builtin(cls, name: str) -> str:
        if name in BUILTIN_SUITES:
            raise ValueError(f"'{name}' is the name of a built-in suite: choose another")
        return name

    @property
    def tool(self) -> ImportTool:
        return self.import_

    def run(self, role: str) -> ImportedRun | None:
        """The file of ``candidate`` or ``baseline``, with the suite's ``task`` as default."""
        spec = self.candidate if role == "candidate" else self.baseline
        if spec is None:
            return None
        if isinstance(spec, str):
            return ImportedRun(path=spec, task=self.task)
        return spec if spec.task is not None else ImportedRun(path=spec.path, task=self.task)


def _suite_tag(data: Any) -> str | None:
    if isinstance(data, dict):
        if "import" in data:
            return "imported"
        return "builtin" if "builtin" in data else "user"
    if isinstance(data, ImportedSuite):
        return "imported"
    return "builtin" if isinstance(data, BuiltinSuite) else "user"


Suite = Annotated[
    Annotated[BuiltinSuite, Tag("builtin")]
    | Annotated[UserSuite, Tag("user")]
    | Annotated[ImportedSuite, Tag("imported")],
    Discriminator(_suite_tag),
]

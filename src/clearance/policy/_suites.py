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

    @field_validator("name")
    @classmethod
    def _not_builtin(cls, name: str) -> str:
        if name in BUILTIN_SUITES:
            raise ValueError(f"'{name}' is a built-in suite: write 'builtin: {name}' instead")
        return name


def _suite_tag(data: Any) -> str | None:
    if isinstance(data, dict):
        return "builtin" if "builtin" in data else "user"
    return "builtin" if isinstance(data, BuiltinSuite) else "user"


Suite = Annotated[
    Annotated[BuiltinSuite, Tag("builtin")] | Annotated[UserSuite, Tag("user")],
    Discriminator(_suite_tag),
]

"""The report: the JSON contract ``clearance.report/v1`` as pydantic models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from clearance.policy import Area

AreaStatus = Literal["pass", "fail", "inconclusive", "warn", "waived", "not_evaluated"]
"""``inconclusive`` blocks (the evidence cannot decide; the note says what would);
``warn`` is only ever advisory; ``not_evaluated`` blocks unless the policy allows it."""
SCHEMA = "clearance.report/v1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryResult(_Model):
    category: str
    value: float
    n: int


class GateReport(_Model):
    metric: str
    value: float | None
    ci: list[float | None] | None
    """The metric's interval; ``null`` on a side the data cannot bound (p99 from fewer
    than 368 calls)."""
    threshold: str
    status: Literal["pass", "fail", "inconclusive", "warn", "not_evaluated"]
    blocking: bool = True
    """False for advisory gates (``severity: warn``): they never block the release."""
    note: str = ""
    n: int = 0
    baseline: float | None = None
    failing_samples: list[str] = Field(default_factory=list)
    """Ids of samples behind a failing or inconclusive gate (see the report's examples)."""
    categories: list[CategoryResult] = Field(default_factory=list)
    difference: float | None = None
    """Candidate minus baseline, for a paired gate."""
    difference_ci: list[float] | None = None
    """The interval a paired gate decides on: of candidate minus baseline."""
    method: str = ""
    """How the interval was computed."""
    pass_chance: float | None = None
    """Chance that a release identical to its baseline passes this gate (noise only)."""

    def plot_ci(self) -> list[float] | None:
        """The interval with unbounded sides drawn at the value (for charts)."""
        if self.ci is None or self.value is None:
            return None
        return [self.value if v is None else v for v in self.ci]


class WaiverInfo(_Model):
    owner: str
    role: str
    reason: str
    expires: str


class AreaReport(_Model):
    area: Area
    status: AreaStatus
    gates: list[GateReport]
    summary: str
    waiver: WaiverInfo | None = None
    blocks: bool = False
    """Whether this area blocks the release (it is one of the report's reasons)."""


class Example(_Model):
    """A short, PII-redacted failing sample, linked from its gate."""

    suite: str
    sample_id: str
    category: str | None
    prompt: str
    output: str


class Confusion(_Model):
    """Local verdict against model verdict on a suite's yes/no question (refused, attack
    succeeded, leaked): yes by both, by the local judge only, by the model only, by
    neither."""

    both: int = 0
    local_only: int = 0
    model_only: int = 0
    neither: int = 0

    @property
    def n(self) -> int:
        return self.both + self.local_only + self.model_only + self.neither


class Disagreement(_Model):
    """A sample where the local judge and the model judge answer differently."""

    sample_id: str
    repeat: int = 0
    category: str | None = None
    local: str
    """The local judge's answer and label, e.g. ``answered (full_compliance)``."""
    model: str
    """The model judge's answer and verdict, e.g. ``refused (partial_refusal)``."""
    excerpt: str
    """The start of the response, PII redacted."""


class ModelJudgeReport(_Model):
    """How a suite's local judge agrees with its model judge (``judge: true``) on one
    target's responses. Advisory: the local verdicts alone score and gate."""

    suite: str
    role: Literal["candidate", "baseline"]
    target: str
    question: str
    """The yes/no question both judges answer: ``refused``, ``attack succeeded``,
    ``leaked``."""
    asked: int
    """Responses the model judge was asked about."""
    judged: int
    """Of those, answers with a verdict (the rest are unparseable or errors)."""
    unparseable: int = 0
    errors: int = 0
    agreement: float | None = None
    """Share of judged samples where both answer the same (None when none was judged)."""
    kappa: float | None = None
    """Cohen's kappa of the two judges (None when undefined: no samples, or both judges
    give one and the same answer throughout)."""
    confusion: Confusion = Field(default_factory=Confusion)
    judge_input_tokens: int = 0
    judge_output_tokens: int = 0
    """The judge's token usage, apart from the target's."""
    disagreements: list[Disagreement] = Field(default_factory=list)
    """The first disagreeing samples, by id (all of them are counted in ``confusion``)."""


class Report(_Model):
    schema_: str = Field(default=SCHEMA, alias="schema")
    system: str
    candidate: str
    baseline: str | None
    decision: Literal["cleared", "blocked"]
    areas: list[AreaReport]
    reasons: list[str] = Field(default_factory=list)
    """Why the release is blocked, one line per blocking area."""
    evidence_hash: str = ""
    policy_hash: str = ""
    created_at: str = ""
    examples: list[Example] = Field(default_factory=list)
    confidence: float = 0.95
    """Level of every interval (lower than ``gates.confidence`` says when
    ``gates.familywise`` spreads a family-wise level over the gates)."""
    noise_block_chance: float | None = None
    """Chance that a release identical to its baseline (to this candidate, without a
    baseline) is blocked by the statistical gates on a fresh run under this policy: one
    minus the product of their pass chances, each computed at the baseline's observed
    values (paired gates: no difference, the observed disagreement). Gates whose bound
    the baseline's own value is outside are left out: a block there is not noise."""
    evidence_runs: list[str] = Field(default_factory=list)
    """Where each suite's results came from: run now, or a stored run reused (and why)."""
    runs: dict[str, dict[str, str]] = Field(default_factory=dict)
    """The stored runs the decision read: role -> suite -> run id (full ids, so a viewer
    opens exactly these runs' samples)."""
    noise_gates: int = 0
    """How many gates ``noise_block_chance`` is over."""
    model_judges: list[ModelJudgeReport] = Field(default_factory=list)
    """Per suite with a model judge and per target: agreement of the local and the model
    judge (advisory; it never changes a gate)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def area(self, name: str) -> AreaReport:
        return next(a for a in self.areas if a.area == name)

    def to_json_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)

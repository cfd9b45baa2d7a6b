"""Pydantic models of ``clearance.yaml``: the release policy, one file checked into the repo.

Every model forbids unknown keys, so a typo can never silently disable a gate. Field
docstrings become the descriptions of the JSON Schema that editors use.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from clearance.policy._vocab import (
    AREAS,
    BUILTIN_SUITES,
    DUTIES,
    STAGE_ORDER,
    TRIGGER_KINDS,
    Action,
    Area,
    BuiltinSuiteName,
    Duty,
    StageKind,
    TelemetryMetric,
    TriggerKind,
)


class Strict(BaseModel):
    """Base for every policy model: unknown keys are errors, attribute docs become schema."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


# --------------------------------------------------------------------------- system


class Traffic(Strict):
    requests_per_month: float = Field(default=1_000_000, gt=0)
    """Expected production traffic; the cost area projects monthly spend from it."""


class System(Strict):
    name: str = Field(min_length=1)
    """The system or model being released, e.g. ``support-assistant``."""
    kind: Literal["model", "system"] = "system"
    """``model`` for a single model, ``system`` for an AI system (model + retrieval + tools)."""
    description: str = ""
    """One paragraph on what the system does."""
    version: str = ""
    """The candidate version's label, e.g. ``2.3.0``."""
    traffic: Traffic = Traffic()
    """Expected traffic, used to project cost."""


# --------------------------------------------------------------------------- owners


class DutyOwners(Strict):
    people: list[str] = Field(default_factory=list)
    """Names (CLI ``--as`` / ``CLEARANCE_USER``) of the people holding this duty."""
    min_approvals: int = Field(default=1, ge=1)
    """How many distinct people of this duty must approve when a stage requires it."""

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        # Shorthand: ``approve_changes: [alice, bob]``.
        if isinstance(data, list):
            return {"people": data}
        if isinstance(data, str):
            return {"people": [data]}
        return data

    @field_validator("people")
    @classmethod
    def _no_blank_names(cls, people: list[str]) -> list[str]:
        for name in people:
            if not name.strip():
                raise ValueError("owner names must not be blank")
        return people


class Owners(Strict):
    """Who holds each governance duty. Only these people may act in that role."""

    approve_changes: DutyOwners = DutyOwners()
    """Approve model or system changes for release."""
    own_evals: DutyOwners = DutyOwners()
    """Own the eval suites and their gates; may waive capability, reliability, cost, latency."""
    review_incidents: DutyOwners = DutyOwners()
    """Review and close incidents; may waive safety and security."""
    disable_tools: DutyOwners = DutyOwners()
    """Flip a tool's kill switch."""
    handle_data_requests: DutyOwners = DutyOwners()
    """Handle user data requests; may waive privacy."""
    rotate_provider_keys: DutyOwners = DutyOwners()
    """Rotate provider API keys."""

    def holders(self, duty: Duty) -> list[str]:
        owners: DutyOwners = getattr(self, duty)
        return list(owners.people)


# --------------------------------------------------------------------------- targets


class Prices(Strict):
    """Prices in USD per million tokens. Overrides the maintained price table."""

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


class _TargetBase(Strict):
    label: str = ""
    """Human label for reports, e.g. ``v2.3.0``; defaults to the model or callable name."""
    system_prompt: str | None = None
    """A system message prepended to every request."""
    prices: Prices | None = None
    """Token prices; when absent, looked up by ``price_model`` in the maintained table."""
    price_model: str | None = None
    """Model name to look up in the price table (defaults to ``model`` for OpenAI targets)."""


class OpenAITarget(_TargetBase):
    adapter: Literal["openai"]
    base_url: str = Field(min_length=1)
    """Base URL of an OpenAI-compatible API, e.g. ``http://127.0.0.1:8000/v1``."""
    model: str = Field(min_length=1)
    """The ``model`` field sent with every request."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (never the key itself)."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Extra request fields (temperature, max_tokens, ...)."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers; use ``${ENV_VAR}`` for secrets."""
    timeout_s: float = Field(default=60.0, gt=0)
    """Per-request timeout in seconds."""
    stream: bool = False
    """Stream responses (records time to first token)."""

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not re.match(r"^https?://[^\s/]+", url):
            raise ValueError("must be an http:// or https:// URL")
        return url.rstrip("/")


class PythonTarget(_TargetBase):
    adapter: Literal["python"]
    callable: str
    """``module:function``; module paths relative to the policy file's folder are allowed."""
    params: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments passed to the callable after ``messages``."""

    @field_validator("callable")
    @classmethod
    def _module_colon_function(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", value):
            raise ValueError("must look like 'package.module:function'")
        return value


class RecordedTarget(_TargetBase):
    adapter: Literal["recorded"]
    path: str
    """JSONL of earlier responses keyed by sample id (written by ``clearance eval --record``)."""


def _adapter_tag(data: Any) -> str | None:
    if isinstance(data, dict):
        tag = data.get("adapter")
        return tag if isinstance(tag, str) else None
    return getattr(data, "adapter", None)


Target = Annotated[
    Annotated[OpenAITarget, Tag("openai")]
    | Annotated[PythonTarget, Tag("python")]
    | Annotated[RecordedTarget, Tag("recorded")],
    Discriminator(
        _adapter_tag,
        custom_error_type="invalid_adapter",
        custom_error_message="adapter must be one of: openai, python, recorded",
    ),
]


class Targets(Strict):
    candidate: Target
    """The version being released."""
    baseline: Target | None = None
    """The version in production, compared against the candidate."""
    judge: Target | None = None
    """A target used as LLM judge by ``judge`` scorers."""


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


# --------------------------------------------------------------------------- gates


class Gate(Strict):
    """One measurable condition. Give ``min`` or ``max`` (an absolute bound), or
    ``vs_baseline`` (a paired comparison with the baseline), or both."""

    metric: str = Field(min_length=1)
    """``SUITE.METRIC`` or a built-in metric such as ``latency.p95_ms``."""
    min: float | None = None
    """The metric (its confidence interval, for statistical gates) must be at least this."""
    max: float | None = None
    """The metric (its confidence interval, for statistical gates) must be at most this."""
    vs_baseline: Literal["non_inferiority", "superiority"] | None = None
    """Compare with the baseline on the same samples."""
    margin: float = Field(default=0.0, ge=0)
    """Tolerated loss (non-inferiority) or required gain (superiority), absolute."""
    higher_is_better: bool = True
    """Direction of the metric for ``vs_baseline``."""
    min_samples: int | None = Field(default=None, ge=1)
    """Refuse to decide with fewer samples than this."""
    severity: Literal["fail", "warn"] = "fail"
    """``warn`` records a breach without blocking the release."""

    @model_validator(mode="after")
    def _has_condition(self) -> Gate:
        if self.min is None and self.max is None and self.vs_baseline is None:
            raise ValueError("a gate needs 'min', 'max' or 'vs_baseline'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("'min' is greater than 'max'")
        return self


class Gates(Strict):
    """Gates per checklist area. An area with no gates is ``not_evaluated``."""

    capability: list[Gate] = Field(default_factory=list)
    safety: list[Gate] = Field(default_factory=list)
    security: list[Gate] = Field(default_factory=list)
    privacy: list[Gate] = Field(default_factory=list)
    reliability: list[Gate] = Field(default_factory=list)
    cost: list[Gate] = Field(default_factory=list)
    latency: list[Gate] = Field(default_factory=list)
    monitoring: list[Gate] = Field(default_factory=list)
    rollback: list[Gate] = Field(default_factory=list)
    documentation: list[Gate] = Field(default_factory=list)
    allow_not_evaluated: list[Area] = Field(default_factory=list)
    """Areas that may stay ``not_evaluated`` without blocking the release."""
    secrets_env: list[str] = Field(default_factory=list)
    """Environment variables whose values must never appear in any output (security)."""
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    """Confidence level of every interval and test."""

    def by_area(self) -> dict[Area, list[Gate]]:
        return {area: list(getattr(self, area)) for area in AREAS}


# --------------------------------------------------------------------------- card


class Tool(Strict):
    name: str
    description: str = ""
    permissions: list[str] = Field(default_factory=list)
    """What the tool may do, e.g. ``read:orders``, ``write:refunds (max 100 USD)``."""


class Risk(Strict):
    risk: str
    before: Literal["low", "medium", "high", "critical"]
    after: Literal["low", "medium", "high", "critical"]
    mitigation: str = ""


class Card(Strict):
    """Inputs to the model or system card; evidence sections are filled by clearance."""

    path: str = "MODEL_CARD.md"
    """Where ``clearance card`` writes the card (relative to the policy file); the
    documentation area checks the card found there."""
    license: str = "other"
    language: list[str] = Field(default_factory=lambda: ["en"])
    library_name: str | None = None
    tags: list[str] = Field(default_factory=list)
    base_model: str | None = None
    pipeline_tag: str | None = "text-generation"
    datasets: list[str] = Field(default_factory=list)
    intended_use: str = ""
    out_of_scope_use: str = ""
    training_data: str = ""
    limitations: str = ""
    privacy: str = ""
    mitigations: str = ""
    components: list[str] = Field(default_factory=list)
    """System cards: models, retrieval, other parts."""
    tools: list[Tool] = Field(default_factory=list)
    """System cards: tools the system may call and their permissions."""
    risks: list[Risk] = Field(default_factory=list)
    """System cards: risk ratings before and after mitigation."""


# --------------------------------------------------------------------------- rollout


class Stage(Strict):
    stage: StageKind
    """Which of the six stages this is; stages run in the documented order."""
    name: str = ""
    """Label when a stage kind is repeated, e.g. ``canary-5``."""
    weight: float = Field(default=0.0, ge=0, le=1)
    """Share of traffic routed to the candidate."""
    audience: Literal["none", "internal", "beta", "everyone"] = "everyone"
    """Who may be routed to the candidate."""
    min_duration_s: float = Field(default=0.0, ge=0)
    """Stay at least this long before advancing."""
    max_duration_s: float | None = Field(default=None, gt=0)
    """Stage cap; see ``advance_at_cap``."""
    min_samples: int = Field(default=0, ge=0)
    """Requests per arm needed before advancing."""
    advance_at_cap: bool = False
    """At the cap with no rollback, advance even if regressions are not ruled out."""
    approvals: list[Duty] = Field(default_factory=list)
    """Owner duties whose approval is required to enter this stage."""

    @property
    def label(self) -> str:
        return self.name or self.stage


class Rollout(Strict):
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    """Budget for the chance of any false rollback in a stage, split across triggers."""
    telemetry_sink: str = "store"
    """Where telemetry is read: ``store`` (the clearance database) or a Prometheus URL."""
    rollback_limit_s: float = Field(default=60.0, gt=0)
    """A rollback drill must complete within this many seconds."""
    webhook: str | None = None
    """URL to which notifications are POSTed as JSON."""
    stages: list[Stage] = Field(default_factory=list)
    """The stages, in the documented order; kinds may be dropped or repeated."""

    @field_validator("stages")
    @classmethod
    def _in_order(cls, stages: list[Stage]) -> list[Stage]:
        last = -1
        for stage in stages:
            pos = STAGE_ORDER.index(stage.stage)
            if pos < last:
                raise ValueError(
                    f"stage '{stage.stage}' comes after '{STAGE_ORDER[last]}': stages must "
                    f"follow the order {' -> '.join(STAGE_ORDER)}"
                )
            last = pos
        return stages


# --------------------------------------------------------------------------- triggers


class Trigger(Strict):
    """A rollback trigger declared before launch. Defaults for ``metric``, ``statistic``
    and ``worse_when`` come from ``kind``; a ``custom`` trigger must give them."""

    name: str = ""
    """Label in reasons and the audit log; defaults to the kind."""
    kind: TriggerKind
    """One of the seven built-in kinds, or ``custom``."""
    metric: TelemetryMetric | None = None
    """Telemetry field the trigger watches."""
    statistic: Literal["rate", "mean", "count", "share_above"] | None = None
    """``rate`` of a boolean field, ``mean`` of a numeric field, ``count`` of events,
    ``share_above`` a threshold (e.g. requests over the latency SLO)."""
    threshold: float | None = None
    """For ``share_above``: the bound (e.g. the SLO in ms). For ``count``: events allowed."""
    margin: float = Field(default=0.0, ge=0)
    """Tolerated degradation of the candidate vs the control."""
    relative: bool = True
    """``margin`` is a fraction of the control's value (else absolute)."""
    worse_when: Literal["higher", "lower"] | None = None
    """Direction in which the metric gets worse."""
    action: Action = "rollback"
    """What happens when the trigger fires."""
    tool: str | None = None
    """For ``disable_tool``: the tool's name."""
    alpha_share: float | None = Field(default=None, gt=0, le=1)
    """Share of the rollout's alpha for this trigger (the rest is split evenly)."""

    @model_validator(mode="after")
    def _complete(self) -> Trigger:
        if self.kind == "custom" and (self.metric is None or self.statistic is None):
            raise ValueError("a custom trigger needs 'metric' and 'statistic'")
        if self.action == "disable_tool" and not self.tool:
            raise ValueError("action 'disable_tool' needs 'tool'")
        stat = self.statistic or TRIGGER_KINDS[self.kind].statistic
        if stat == "share_above" and self.threshold is None:
            raise ValueError(f"trigger kind '{self.kind}' needs 'threshold' (e.g. the SLO in ms)")
        return self

    @property
    def label(self) -> str:
        return self.name or self.kind

    def resolved(self) -> Trigger:
        """A copy with every default filled in from ``kind``."""
        spec = TRIGGER_KINDS[self.kind]
        return self.model_copy(
            update={
                "name": self.label,
                "metric": self.metric or spec.metric,
                "statistic": self.statistic or spec.statistic,
                "worse_when": self.worse_when or spec.worse_when,
            }
        )


# --------------------------------------------------------------------------- policy


class Policy(Strict):
    """The release policy (``clearance.yaml``)."""

    clearance: Literal[1]
    """Schema version of this file."""
    system: System
    """What is being released."""
    owners: Owners = Owners()
    """Who holds each governance duty."""
    targets: Targets
    """The candidate being released and the baseline in production."""
    suites: list[Suite] = Field(default_factory=list)
    """Eval suites: built-in (``builtin: NAME``) or your own datasets."""
    gates: Gates = Gates()
    """Release gates per checklist area."""
    card: Card = Card()
    """Inputs to the model or system card."""
    rollout: Rollout = Rollout()
    """Staged rollout: stages, error budget, telemetry sink."""
    triggers: list[Trigger] = Field(default_factory=list)
    """Rollback triggers, declared before launch."""

    _source: Any = PrivateAttr(default=None)

    @property
    def source(self) -> Any:
        """The :class:`~clearance.policy.LoadedPolicy` this came from (None if built in code)."""
        return self._source

    def suite_names(self) -> list[str]:
        return [suite.name for suite in self.suites]


__all__ = [
    "AREAS",
    "DUTIES",
    "BuiltinSuite",
    "Card",
    "DutyOwners",
    "Gate",
    "Gates",
    "OpenAITarget",
    "Owners",
    "Policy",
    "Prices",
    "PythonTarget",
    "RecordedTarget",
    "Risk",
    "Rollout",
    "Scorer",
    "Stage",
    "Strict",
    "Suite",
    "System",
    "Target",
    "Targets",
    "Tool",
    "Traffic",
    "Trigger",
    "UserSuite",
]

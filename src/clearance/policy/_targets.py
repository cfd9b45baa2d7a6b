"""Targets of a policy: what is released and what runs in production."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    Tag,
    field_validator,
)

from clearance.policy._base import Strict

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
    """Base URL of an OpenAI-compatible API, e.g. ``http://127.0.0.1:8080/v1``."""
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


class ImportedTarget(_TargetBase):
    adapter: Literal["imported"]
    """Nothing is called: every suite of the policy is imported (``import:``) from result
    files another tool wrote, and those files are this target's evidence."""
    model: str | None = None
    """The model the files were produced with, for reports and cards."""


def _adapter_tag(data: Any) -> str | None:
    if isinstance(data, dict):
        tag = data.get("adapter")
        return tag if isinstance(tag, str) else None
    return getattr(data, "adapter", None)


Target = Annotated[
    Annotated[OpenAITarget, Tag("openai")]
    | Annotated[PythonTarget, Tag("python")]
    | Annotated[RecordedTarget, Tag("recorded")]
    | Annotated[ImportedTarget, Tag("imported")],
    Discriminator(
        _adapter_tag,
        custom_error_type="invalid_adapter",
        custom_error_message="adapter must be one of: openai, python, recorded, imported",
    ),
]


class Targets(Strict):
    candidate: Target
    """The version being released."""
    baseline: Target | None = None
    """The version in production, compared against the candidate."""
    judge: Target | None = None
    """A target used as LLM judge by ``judge`` scorers, and for the second opinion of
    built-in suites with ``judge: true``."""

"""The base of every policy model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Base for every policy model: unknown keys are errors, attribute docs become schema."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

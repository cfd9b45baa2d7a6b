"""Fill a probe's ``{PLACEHOLDER}``s with fresh values, so no run can be passed by memory."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from clearance.errors import DataError
from clearance.evals.suites._synthetic import PLACEHOLDERS, fresh_values
from clearance.evals.suites._types import Message, SuiteSample

PLACEHOLDER_RE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")

Planted = dict[str, str]
"""Placeholder name -> the value planted for it in one sample."""


def placeholders_in(sample: SuiteSample) -> set[str]:
    """Placeholder names used anywhere in the sample's messages."""
    return {m for msg in sample.messages for m in PLACEHOLDER_RE.findall(msg["content"])}


def materialize(
    samples: Sequence[SuiteSample], rng: random.Random | int | None = None
) -> tuple[list[SuiteSample], dict[str, Planted]]:
    """Substitute fresh values for every placeholder of every sample.

    Args:
        samples: samples as loaded; those without placeholders pass through unchanged.
        rng: a ``random.Random``, a seed (for reproducible tests), or ``None`` for values
            drawn from the operating system, different on every call.

    Returns:
        The filled samples, each with ``metadata["planted"]`` naming what was planted in
        it, and the same record as a mapping from sample id to planted values.
    """
    source = _rng(rng)
    filled: list[SuiteSample] = []
    planted: dict[str, Planted] = {}
    for sample in samples:
        names = placeholders_in(sample)
        if not names:
            filled.append(sample)
            continue
        values = _values_for(sample, names, source)
        planted[sample.id] = values
        filled.append(_filled(sample, values))
    return filled, planted


def _rng(rng: random.Random | int | None) -> random.Random:
    if rng is None:
        return random.SystemRandom()
    if isinstance(rng, random.Random):
        return rng
    return random.Random(rng)


def _values_for(sample: SuiteSample, names: set[str], rng: random.Random) -> Planted:
    unknown = sorted(names - PLACEHOLDERS)
    if unknown:
        raise DataError(
            f"sample {sample.id!r} uses unknown placeholder(s) {unknown}",
            fix=f"use only {sorted(PLACEHOLDERS)[:6]} and the other documented names",
        )
    values = fresh_values(rng)
    return {name: values[name] for name in sorted(names)}


def _filled(sample: SuiteSample, values: Mapping[str, str]) -> SuiteSample:
    def fill(text: str) -> str:
        return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], text)

    messages: list[Message] = [{**msg, "content": fill(msg["content"])} for msg in sample.messages]
    metadata = {**sample.metadata, "planted": dict(values)}
    return replace(sample, messages=messages, metadata=metadata)

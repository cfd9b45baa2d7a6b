"""Fill a probe's ``{PLACEHOLDER}``s with fresh values, so no run can be passed by memory."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from clearance.errors import DataError
from clearance.evals import Sample
from clearance.evals.suites._synthetic import PLACEHOLDERS, fresh_values
from clearance.evals.suites._types import Probe, SuiteSample

PLACEHOLDER_RE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")

Planted = dict[str, str]
"""Placeholder name -> the value planted for it in one sample."""


def _texts(sample: SuiteSample | Sample) -> list[str]:
    texts = [str(msg.get("content", "")) for msg in sample.messages or ()]
    return [*texts, sample.input] if isinstance(sample, Sample) and sample.input else texts


def placeholders_in(sample: SuiteSample | Sample) -> set[str]:
    """Placeholder names used anywhere in the sample's messages (or input)."""
    return {name for text in _texts(sample) for name in PLACEHOLDER_RE.findall(text)}


def materialize(
    samples: Sequence[Probe], rng: random.Random | int | None = None
) -> tuple[list[Probe], dict[str, Planted]]:
    """Substitute fresh values for every placeholder of every sample.

    Args:
        samples: samples as loaded, or converted to ``clearance.evals.Sample``; those
            without placeholders pass through unchanged.
        rng: a ``random.Random``, a seed (for reproducible tests), or ``None`` for values
            drawn from the operating system, different on every call.

    Returns:
        The filled samples, each with ``metadata["planted"]`` naming what was planted in
        it, and the same record as a mapping from sample id to planted values.
    """
    source = _rng(rng)
    filled: list[Probe] = []
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


def _values_for(sample: SuiteSample | Sample, names: set[str], rng: random.Random) -> Planted:
    unknown = sorted(names - PLACEHOLDERS)
    if unknown:
        raise DataError(
            f"sample {sample.id!r} uses unknown placeholder(s) {unknown}",
            fix=f"use only {sorted(PLACEHOLDERS)[:6]} and the other documented names",
        )
    values = fresh_values(rng)
    return {name: values[name] for name in sorted(names)}


def _filled(sample: Probe, values: Mapping[str, str]) -> Probe:
    def fill(text: str) -> str:
        return PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], text)

    messages = [{**msg, "content": fill(str(msg["content"]))} for msg in sample.messages or ()]
    metadata = {**sample.metadata, "planted": dict(values)}
    if isinstance(sample, SuiteSample):
        return replace(sample, messages=messages, metadata=metadata)
    text = fill(sample.input) if sample.input is not None else None
    return replace(sample, messages=tuple(messages) or None, input=text, metadata=metadata)

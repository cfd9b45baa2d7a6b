"""Run-to-run agreement: how often repeated answers to the same prompt are the same."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import combinations

from clearance.errors import UsageError

_SPACE = re.compile(r"\s+")
_EDGE = ".,;:!?\"'`*_ \t\n()[]"


def normalise_answer(text: str) -> str:
    """Case-folded, NFKC, whitespace collapsed, edge punctuation and markdown stripped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", text).strip(_EDGE)


def sample_agreement(outputs: Sequence[str]) -> float | None:
    """Share of pairs of ``outputs`` that agree after normalising; ``None`` under two."""
    answers = [normalise_answer(output) for output in outputs]
    pairs = list(combinations(answers, 2))
    if not pairs:
        return None
    return sum(a == b for a, b in pairs) / len(pairs)


def agreement(outputs_per_sample: Sequence[Sequence[str]]) -> float:
    """Mean over samples of the mean pairwise agreement of their repeated outputs.

    Samples with fewer than two outputs carry no information and are skipped; when none
    has two, ``UsageError`` says to run with ``repeats`` of at least 2.
    """
    scores = [s for s in map(sample_agreement, outputs_per_sample) if s is not None]
    if not scores:
        raise UsageError(
            "agreement needs at least two outputs for some sample",
            fix="run the consistency suite with repeats: 2 or more",
        )
    return sum(scores) / len(scores)

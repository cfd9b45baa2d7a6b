"""Run-to-run agreement: how often repeated answers to the same prompt are the same.

Two answers agree when they are equal after ``normalise_answer`` (case, punctuation,
markdown, whitespace and a leading article do not count: "A hexagon has six sides." and
"the hexagon has six sides" agree). With a ``similarity`` threshold, two answers that
still differ agree when their lexical similarity (the larger of token F1 and ROUGE-L F1,
``clearance.evals.scorers.lexical_similarity``) is at least the threshold. Each pair of
repeats either agrees or not; a sample's agreement is the share of its pairs that agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import combinations

from clearance.errors import UsageError
from clearance.evals.scorers import lexical_similarity

_APOSTROPHE = re.compile(r"(?<=\w)['\u2019](?=\w)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_TOKEN = re.compile(r"(?<![^\W_])-?\d+(?:\.\d+)*(?![^\W_])|[^\W_]+")
"""A number (with its sign and decimal point) standing alone, or a run of letters and
digits: everything else is punctuation or markdown."""
_LEADING_ARTICLE = re.compile(r"^[\W_]*(?:a|an|the)[*_`]*\s+(?=\S)")
"""A leading "a", "an" or "the" followed by a space: "A) Paris" is a choice, not an article."""


def normalise_answer(text: str) -> str:
    """An answer reduced to what agreement compares.

    NFKC and case-folded; apostrophes inside words dropped ("don't" = "dont"), thousands
    separators dropped ("1,000" = "1000"); every other punctuation mark and markdown
    character separates words, except a number's minus sign and decimal point ("-9" is
    not "9", "3.5" is not "35"); whitespace collapsed; a leading "a", "an" or "the"
    dropped when a space and more words follow it ("A" and "A) Paris" are choices).
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _THOUSANDS.sub("", _APOSTROPHE.sub("", text))
    return " ".join(_TOKEN.findall(_LEADING_ARTICLE.sub("", text)))


def answers_agree(a: str, b: str, similarity: float | None = None) -> bool:
    """Whether two normalised answers agree: equal, or at least ``similarity`` similar."""
    return a == b or (similarity is not None and lexical_similarity(a, b) >= similarity)


def sample_agreement(outputs: Sequence[str], similarity: float | None = None) -> float | None:
    """Share of pairs of ``outputs`` that agree after normalising; ``None`` under two.

    ``similarity`` (in ``[0, 1]``) lets pairs that differ still agree when their lexical
    similarity reaches it; ``None`` asks for equality.
    """
    answers = [normalise_answer(output) for output in outputs]
    pairs = list(combinations(answers, 2))
    if not pairs:
        return None
    return sum(answers_agree(a, b, similarity) for a, b in pairs) / len(pairs)


def agreement(
    outputs_per_sample: Sequence[Sequence[str]], similarity: float | None = None
) -> float:
    """Mean over samples of the mean pairwise agreement of their repeated outputs.

    Samples with fewer than two outputs carry no information and are skipped; when none
    has two, ``UsageError`` says to run with ``repeats`` of at least 2.
    """
    scores = [
        s for s in (sample_agreement(o, similarity) for o in outputs_per_sample) if s is not None
    ]
    if not scores:
        raise UsageError(
            "agreement needs at least two outputs for some sample",
            fix="run the consistency suite with repeats: 2 or more",
        )
    return sum(scores) / len(scores)

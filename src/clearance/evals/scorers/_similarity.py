"""Similarity to a reference answer: lexical by default, embeddings through a hook.

The lexical score is the larger of token F1 (bag of words, as in SQuAD) and ROUGE-L F1
(longest common subsequence), so both paraphrase-with-reordering and same-order answers
score well. An ``embed`` callable (texts -> vectors) may be passed instead, e.g. from an
optional sentence-embeddings extra; the score is then the cosine similarity.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence

from clearance.evals.scorers._base import Score, SyncScorer, binary

Embedder = Callable[[Sequence[str]], Sequence[Sequence[float]]]
"""Maps texts to embedding vectors, one per text."""

_TOKEN = re.compile(r"\w+", re.UNICODE)
_MAX_LCS_TOKENS = 400
"""ROUGE-L is quadratic; longer texts are compared on their first tokens only."""


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (NFKC-normalised)."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def token_f1(a: Sequence[str], b: Sequence[str]) -> float:
    """Harmonic mean of bag-of-words precision and recall; 1.0 for two empty texts."""
    if not a or not b:
        return float(not a and not b)
    common = sum((Counter(a) & Counter(b)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


def rouge_l(a: Sequence[str], b: Sequence[str]) -> float:
    """F1 of the longest common subsequence of two token lists."""
    a, b = a[:_MAX_LCS_TOKENS], b[:_MAX_LCS_TOKENS]
    if not a or not b:
        return float(not a and not b)
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


def lexical_similarity(a: str, b: str) -> float:
    """The larger of token F1 and ROUGE-L F1, in ``[0, 1]``."""
    ta, tb = tokens(a), tokens(b)
    return max(token_f1(ta, tb), rouge_l(ta, tb))


def _cosine(u: Sequence[float], v: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(u, v, strict=True))
    norm = math.sqrt(sum(x * x for x in u)) * math.sqrt(sum(y * y for y in v))
    return 0.0 if norm == 0 else min(1.0, max(0.0, dot / norm))


class SimilarityScorer(SyncScorer):
    """Passes when the response is at least ``threshold`` similar to a target.

    The value is the best similarity over the targets.
    """

    name = "similarity"

    def __init__(self, threshold: float = 0.8, embed: Embedder | None = None) -> None:
        self.threshold = threshold
        self.embed = embed

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        if not targets:
            return binary(False, "no_target", "the sample has no target to compare with")
        sims = self._similarities(response, targets)
        best = max(range(len(sims)), key=sims.__getitem__)
        value = sims[best]
        method = "lexical" if self.embed is None else "embedding"
        return Score(
            value,
            value >= self.threshold,
            None,
            f"similarity {value:.3f} vs threshold {self.threshold}",
            {"method": method, "matched": targets[best]},
        )

    def _similarities(self, response: str, targets: tuple[str, ...]) -> list[float]:
        if self.embed is None:
            return [lexical_similarity(response, t) for t in targets]
        vectors = self.embed([response, *targets])
        return [_cosine(vectors[0], v) for v in vectors[1:]]

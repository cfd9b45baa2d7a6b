"""Suggestions for misspelled keys and values: the closest known word at that place."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_QUOTED = re.compile(r"'([^']*)'")


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, counting a swap of neighbours as one."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, prev2[j - 2] + 1)
            row.append(best)
        prev2, prev = prev, row
    return prev[-1]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known word ``word`` most likely misspells, or None when none is close.

    Close means a difflib ratio of at least 0.6, or (for short words, where one wrong
    letter weighs heavily in the ratio) at most two edits, fewer than the word's length.
    """
    known = [c for c in dict.fromkeys(choices) if c != word]
    if not known or not word:
        return None
    lowered = {c.lower(): c for c in known}
    if word.lower() in lowered:
        return lowered[word.lower()]
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if close:
        return close[0]
    best = min(known, key=lambda c: (distance(word, c), c))
    edits = distance(word, best)
    return best if edits <= 2 and edits < len(word) else None


def quoted_choices(expected: str) -> list[str]:
    """The choices of a pydantic ``literal_error`` context: ``"'a', 'b' or 'c'"``."""
    return _QUOTED.findall(expected)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """``did you mean 'X'?`` for the closest choice, or None."""
    found = closest(word, choices)
    return f"did you mean '{found}'?" if found is not None else None

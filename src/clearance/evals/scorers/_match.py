"""Scorers that compare a response with the sample's target(s): exact, includes, regex,
numeric and multiple-choice.

With several targets a response passes when it matches any one of them.
"""

from __future__ import annotations

import math
import re
import unicodedata

from clearance.evals.scorers._base import Score, SyncScorer, binary

_SPACE = re.compile(r"\s+")
_TRAILING_PUNCT = ".,;:!?\"'`"


def _fold(text: str, case_sensitive: bool) -> str:
    text = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return text if case_sensitive else text.casefold()


def _no_target() -> Score:
    return binary(False, "no_target", "the sample has no target to compare with")


class ExactScorer(SyncScorer):
    """Passes when the whole response equals a target (whitespace and a trailing period
    ignored; case ignored unless ``case_sensitive``)."""

    name = "exact"

    def __init__(self, case_sensitive: bool = False) -> None:
        self.case_sensitive = case_sensitive

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        if not targets:
            return _no_target()
        got = _fold(response, self.case_sensitive).strip(_TRAILING_PUNCT)
        hit = next((t for t in targets if _fold(t, self.case_sensitive) == got), None)
        return binary(
            hit is not None, explanation=None if hit else "no target matched", matched=hit
        )


class IncludesScorer(SyncScorer):
    """Passes when a target occurs anywhere in the response."""

    name = "includes"

    def __init__(self, case_sensitive: bool = False) -> None:
        self.case_sensitive = case_sensitive

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        if not targets:
            return _no_target()
        got = _fold(response, self.case_sensitive)
        hit = next((t for t in targets if _fold(t, self.case_sensitive) in got), None)
        return binary(hit is not None, explanation=None if hit else "no target found", matched=hit)


class RegexScorer(SyncScorer):
    """Passes when ``pattern`` (or, without one, a target used as a pattern) is found."""

    name = "regex"

    def __init__(self, pattern: str | None = None, case_sensitive: bool = False) -> None:
        self.flags = 0 if case_sensitive else re.IGNORECASE
        self.pattern = None if pattern is None else re.compile(pattern, self.flags)

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        patterns = [self.pattern] if self.pattern else [_compile(t, self.flags) for t in targets]
        if not patterns:
            return _no_target()
        for pattern in patterns:
            if pattern is not None and (match := pattern.search(response)):
                return binary(True, matched=match.group(0), pattern=pattern.pattern)
        return binary(False, explanation="pattern not found")


def _compile(pattern: str, flags: int) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern, flags)
    except re.error:
        return None


_NUMBER = re.compile(
    r"(?<![\w.])[-−–]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])"
    r"|(?<![\w.])[-−–]?\.\d+(?![\w])"
)


def parse_last_number(text: str) -> float | None:
    """The last number written in ``text``: handles ``-3``, ``1,234.5``, ``.5``, ``2e3``."""
    matches = _NUMBER.findall(text)
    for raw in reversed(matches):
        cleaned = raw.replace(",", "").replace(" ", "").replace("−", "-").replace("–", "-")
        try:
            value = float(cleaned)
        except ValueError:
            continue
        if math.isfinite(value):
            return value
    return None


class NumericScorer(SyncScorer):
    """Passes when the last number in the response is within ``tolerance`` of a target."""

    name = "numeric"

    def __init__(self, tolerance: float = 0.0) -> None:
        self.tolerance = tolerance

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        expected = [v for v in (parse_last_number(t) for t in targets) if v is not None]
        if not expected:
            return _no_target()
        got = parse_last_number(response)
        if got is None:
            return binary(False, "no_number", "no number in the response", expected=expected)
        best = min(expected, key=lambda v: abs(v - got))
        ok = abs(best - got) <= self.tolerance + 1e-9 * max(1.0, abs(best))
        return binary(
            ok,
            explanation=None if ok else f"{got} is not {best} ± {self.tolerance}",
            parsed=got,
            expected=best,
            error=abs(best - got),
        )


_CHOICE_PATTERNS = (
    re.compile(r"(?:answer|option|choice)\s*(?:is|:)?\s*[:\-]?\s*\(?([A-Z])\b\)?", re.I),
    re.compile(r"^\s*\(?([A-Z])(?:[).:\]]|\s*$)"),
    re.compile(r"\(([A-Z])\)", re.I),
    re.compile(r"\b([A-Z])\)"),
)


def extract_choice(response: str) -> str | None:
    """The option letter a multiple-choice response picks, e.g. ``B`` from
    ``"The answer is (B)."``; ``None`` when no single letter can be found."""
    for pattern in _CHOICE_PATTERNS:
        found = pattern.findall(response)
        if found:
            return str(found[-1]).upper()
    stripped = response.strip().strip(_TRAILING_PUNCT)
    return stripped.upper() if len(stripped) == 1 and stripped.isalpha() else None


class ChoiceScorer(SyncScorer):
    """Passes when the option picked in the response is the target.

    The target is an option letter (``"B"``) or the option's text; a response may name the
    letter ("Answer: B", "(b)") or write the option's text in full.
    """

    name = "choice"

    def __init__(self, case_sensitive: bool = False) -> None:
        self.case_sensitive = case_sensitive

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        if not targets:
            return _no_target()
        letter = extract_choice(response)
        for target in targets:
            if len(target.strip()) == 1 and letter == target.strip().upper():
                return binary(True, matched=target, picked=letter)
        text = _fold(response, self.case_sensitive).strip(_TRAILING_PUNCT)
        for target in targets:
            if len(target.strip()) > 1 and _fold(target, self.case_sensitive) == text:
                return binary(True, matched=target, picked=target)
        return binary(False, explanation=f"picked {letter!r}", picked=letter)

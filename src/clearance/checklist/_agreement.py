"""Local judge against model judge: how often the fast built-in verdicts agree with a
strong model's second opinion (``details["model_judge"]``) on a target's own outputs."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from clearance.checklist._evidence import Evidence, Outcome, Side
from clearance.checklist._report import Confusion, Disagreement, ModelJudgeReport
from clearance.evals.suites import JUDGE_ANSWERS

ANSWERS: dict[str, tuple[str, str]] = JUDGE_ANSWERS
"""Suite -> its yes/no question's answers, yes first (the built-in suite table's)."""

MAX_DISAGREEMENTS = 50
"""Disagreeing samples listed per suite and target (all are counted)."""

Clean = Callable[[str], str]

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control and bidirectional-override characters: a model's output quoted in a report
must not steer the terminal it is printed to; they are shown as escapes."""


def printable(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b``-style escapes."""
    return _UNSAFE.sub(_visible, text)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def judge_reports(evidence: Evidence, clean: Clean) -> list[ModelJudgeReport]:
    """One report per suite with model-judge opinions, per side (candidate first).
    ``clean`` turns an output into a short excerpt fit for a report."""
    sides: list[tuple[Literal["candidate", "baseline"], Side | None]] = [
        ("candidate", evidence.candidate),
        ("baseline", evidence.baseline),
    ]
    reports = []
    for role, side in sides:
        if side is None:
            continue
        for suite in sorted(side.suites):
            reviewed = [o for o in side.suite(suite) if _opinion(o) is not None]
            if reviewed and suite in ANSWERS:
                reports.append(_report(suite, role, side.label, reviewed, clean))
    return reports


def cohen_kappa(confusion: Confusion) -> float | None:
    """Cohen's kappa of two yes/no raters; None when undefined (no samples, or chance
    agreement is 1: both raters give one and the same answer throughout)."""
    n = confusion.n
    if n == 0:
        return None
    observed = (confusion.both + confusion.neither) / n
    local_yes = (confusion.both + confusion.local_only) / n
    model_yes = (confusion.both + confusion.model_only) / n
    chance = local_yes * model_yes + (1 - local_yes) * (1 - model_yes)
    if chance >= 1:
        return None
    return (observed - chance) / (1 - chance)


def confusion_of(pairs: Iterable[tuple[bool, bool]]) -> Confusion:
    """The 2x2 table of (local, model) yes/no answers."""
    cells = {"both": 0, "local_only": 0, "model_only": 0, "neither": 0}
    for local, model in pairs:
        key = (
            ("both" if model else "local_only") if local else ("model_only" if model else "neither")
        )
        cells[key] += 1
    return Confusion(**cells)


def _opinion(outcome: Outcome) -> Mapping[str, Any] | None:
    opinion = outcome.details.get("model_judge") if outcome.ok else None
    return opinion if isinstance(opinion, Mapping) else None


def _report(
    suite: str,
    role: Literal["candidate", "baseline"],
    target: str,
    reviewed: list[Outcome],
    clean: Clean,
) -> ModelJudgeReport:
    opinions = [(o, _opinion(o) or {}) for o in reviewed]
    judged = [(o, op) for o, op in opinions if op.get("status") == "ok"]
    confusion = confusion_of((bool(op.get("local_flag")), bool(op.get("flag"))) for _, op in judged)
    usage = [op.get("usage") or {} for _, op in opinions]
    return ModelJudgeReport(
        suite=suite,
        role=role,
        target=target,
        question=ANSWERS[suite][0],
        asked=len(opinions),
        judged=len(judged),
        unparseable=sum(1 for _, op in opinions if op.get("status") == "unparseable"),
        errors=sum(1 for _, op in opinions if op.get("status") == "error"),
        agreement=(confusion.both + confusion.neither) / confusion.n if confusion.n else None,
        kappa=cohen_kappa(confusion),
        confusion=confusion,
        judge_input_tokens=sum(_tokens(u, "input_tokens") for u in usage),
        judge_output_tokens=sum(_tokens(u, "output_tokens") for u in usage),
        disagreements=_disagreements(suite, judged, clean),
    )


def _disagreements(
    suite: str, judged: list[tuple[Outcome, Mapping[str, Any]]], clean: Clean
) -> list[Disagreement]:
    differ = sorted(
        ((o, op) for o, op in judged if bool(op.get("local_flag")) != bool(op.get("flag"))),
        key=lambda pair: (pair[0].sample_id, pair[0].repeat),
    )
    return [
        Disagreement(
            sample_id=o.sample_id,
            repeat=o.repeat,
            category=o.category,
            local=_answer(suite, bool(op.get("local_flag")), op.get("local")),
            model=_answer(suite, bool(op.get("flag")), op.get("verdict")),
            excerpt=printable(clean(o.output or "")),
        )
        for o, op in differ[:MAX_DISAGREEMENTS]
    ]


def _answer(suite: str, flag: bool, label: object) -> str:
    yes, no = ANSWERS[suite]
    word = yes if flag else no
    return f"{word} ({label})" if label else word


def _tokens(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) else 0

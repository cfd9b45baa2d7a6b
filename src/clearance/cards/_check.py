"""``clearance card --check``: every required section present and filled, no placeholder,
and evaluation results that belong to the current candidate's evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import ModelCard

from clearance.cards._diff import card_record, card_sections, eval_results
from clearance.cards._sections import PLACEHOLDERS, required_sections
from clearance.errors import DataError


@dataclass(frozen=True)
class CardProblem:
    section: str
    problem: str

    def __str__(self) -> str:
        return f"{self.section}: {self.problem}"


def load_card(path: Path) -> ModelCard:
    """Read a card file; malformed front matter is a DataError naming the file."""
    if not path.is_file():
        raise DataError(
            "card not found", file=str(path), fix="write it with 'clearance card --out PATH'"
        )
    try:
        card: ModelCard = ModelCard.load(path, ignore_metadata_errors=False)
    except Exception as exc:  # the library raises ValueError, yaml errors, ...
        raise DataError(
            f"not a readable model card: {exc}",
            file=str(path),
            fix="regenerate it with 'clearance card'",
        ) from None
    return card


def check_card(
    card: ModelCard, *, evidence_hash: str | None = None, kind: str | None = None
) -> list[CardProblem]:
    """Problems with ``card`` (empty list: complete and current)."""
    record = card_record(card).get("clearance") or {}
    kind = kind or record.get("kind") or "model"
    sections = card_sections(card)
    problems = [
        p
        for title in required_sections(kind)
        for p in _section_problems(title, sections.get(title))
    ]
    problems += _metadata_problems(card, record, evidence_hash)
    return problems


def _section_problems(title: str, body: str | None) -> list[CardProblem]:
    if body is None:
        return [CardProblem(title, "missing")]
    if not body.strip():
        return [CardProblem(title, "empty")]
    for marker in PLACEHOLDERS:
        if re.search(rf"(?<![A-Za-z]){re.escape(marker)}(?![A-Za-z])", body):
            return [CardProblem(title, f"placeholder '{marker}'")]
    return []


def _metadata_problems(
    card: ModelCard, record: dict[str, object], evidence_hash: str | None
) -> list[CardProblem]:
    problems = []
    if not eval_results(card):
        problems.append(CardProblem("model-index", "no evaluation results"))
    if evidence_hash is not None and record.get("evidence_hash") != evidence_hash:
        found = str(record.get("evidence_hash") or "none")[:12]
        problems.append(
            CardProblem(
                "Evaluation results",
                f"written from evidence {found}, but the current candidate's "
                f"evidence is {evidence_hash[:12]}: regenerate the card",
            )
        )
    return problems

"""``clearance card --check``: every required section present and filled with this
system's own text (no placeholder), and evaluation results that belong to the current
candidate's evidence (and, when given, to the latest recorded check's decision and policy).

A placeholder is text nobody wrote for this system: the prose ``clearance init`` puts in
the policy (read from the template itself, so the two cannot drift apart), the usual
markers (TODO, TBD, FIXME, XXX, lorem ipsum, ``<...>`` and ``[...]`` fill-ins such as
``<describe the use>`` or ``[More Information Needed]``), or a section with no words.
Quoted text (fenced code blocks and inline code, where verbatim model outputs go) is not
searched: a model's output is not the card author's placeholder.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import ModelCard

from clearance.cards._diff import card_record, card_sections, eval_results
from clearance.cards._sections import (
    DESCRIPTION,
    POLICY_TEXT,
    policy_key,
    required_sections,
)
from clearance.errors import DataError
from clearance.policy import parse_policy, render_policy

_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![A-Za-z])(?:TODO|TBD|FIXME|XXX)(?![A-Za-z])"),
    re.compile(r"lorem\s+ipsum", re.IGNORECASE),
    # [...], [More Information Needed], [describe the use], [company]; not a link
    # ([text](url), [text][ref], [ref]: url), a number ([1]), an interval ([0.9, 1],
    # [-inf, 0.5]) or a redaction marker ([EMAIL]).
    re.compile(
        r"\[(?:\.\.\.|…|[A-Za-z][A-Za-z'-]*(?:[ ,/]+[A-Za-z'-]+)+|[A-Za-z][a-z'-]+)\]"
        r"(?![(\[:])"
    ),
    # <...>, <describe the use>, <MODEL_NAME>, <your-model>; not an HTML tag (<br>,
    # <a href="...">), an autolink (<https://...>) or a comparison (<= 0.1, < 5).
    re.compile(
        r"<(?:\.\.\.|…|[A-Za-z][A-Za-z'-]*(?:[ ,]+[A-Za-z'-]+)+"
        r"|[A-Z][A-Z0-9]+(?:_[A-Z0-9]+)*|[A-Za-z]+(?:[-_][A-Za-z]+)+)>"
    ),
)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[`~]*[ \t]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")


@dataclass(frozen=True)
class CardProblem:
    section: str
    problem: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.section}: {self.problem}" + (f" (fix: {self.fix})" if self.fix else "")


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
    card: ModelCard,
    *,
    evidence_hash: str | None = None,
    kind: str | None = None,
    decision: str | None = None,
    policy_hash: str | None = None,
) -> list[CardProblem]:
    """Problems with ``card`` (empty list: complete and current).

    Args:
        evidence_hash: the current candidate's evidence; a card written from other
            evidence is stale.
        kind: ``model`` or ``system`` (default: the kind the card records).
        decision: the latest recorded check's decision; a card stating another is stale.
        policy_hash: the current policy's digest; a card written under another policy
            (or from a check of another policy) is stale.
    """
    record = card_record(card).get("clearance") or {}
    kind = kind or record.get("kind") or "model"
    sections = card_sections(card)
    problems = _description_problems(card)
    problems += [
        p
        for title in required_sections(kind)
        for p in _section_problems(title, sections.get(title))
    ]
    problems += _metadata_problems(card, record, evidence_hash)
    problems += _record_problems(record, decision, policy_hash)
    return problems


@functools.cache
def template_texts() -> dict[str, str]:
    """The prose ``clearance init`` writes, by policy key (``card.intended_use``, ...):
    read from the template itself, so a changed template changes what is refused."""
    template = parse_policy(render_policy(), file=Path("clearance.yaml"), require_env=False)
    texts = {f"card.{key}": str(getattr(template.card, key)) for key in POLICY_TEXT.values()}
    texts["system.description"] = template.system.description
    return {key: text for key, text in texts.items() if text.strip()}


def placeholder(text: str) -> tuple[str, str] | None:
    """The first placeholder in ``text`` as (``template`` or ``marker``, the text found),
    or None. Quoted text (code blocks and spans) is left out."""
    prose = _unquoted(text)
    for pattern in _template_patterns():
        found = pattern.search(prose)
        if found:
            return "template", " ".join(found.group(0).split())
    for pattern in _MARKERS:
        found = pattern.search(prose)
        if found:
            return "marker", found.group(0)
    return None


@functools.cache
def _template_patterns() -> tuple[re.Pattern[str], ...]:
    # A template text as a whole: at the start of the text or after whitespace, and
    # followed by whitespace or the end ("Known limitations." but not "known limitations
    # include"), with any run of whitespace where the template has a space.
    return tuple(
        re.compile(r"(?<!\S)" + r"\s+".join(map(re.escape, text.split())) + r"(?!\S)")
        for text in sorted(template_texts().values(), key=len, reverse=True)
    )


def _unquoted(text: str) -> str:
    return _CODE_SPAN.sub(" ", _FENCE.sub(" ", text))


def _fix(title: str, what: str) -> str:
    key = policy_key(title)
    if key is None:
        return "regenerate the card with 'clearance card'"
    return f"{what} {key} in the policy, then write the card again with 'clearance card'"


def _section_problems(title: str, body: str | None) -> list[CardProblem]:
    if body is None:
        return [CardProblem(title, "missing", "regenerate the card with 'clearance card'")]
    return _text_problems(title, body)


def _text_problems(title: str, body: str) -> list[CardProblem]:
    empty = [CardProblem(title, "empty", _fix(title, "write"))]
    if not body.strip():
        return empty
    found = placeholder(body)
    if found is None:
        return [] if re.search(r"\w", _unquoted(body)) else empty
    what, text = found
    if what == "template":
        return [
            CardProblem(
                title,
                f"still the placeholder text 'clearance init' wrote (\"{text}\")",
                _fix(title, "write this system's own text in"),
            )
        ]
    return [CardProblem(title, f"placeholder '{text}'", _fix(title, "replace it in"))]


def _description_problems(card: ModelCard) -> list[CardProblem]:
    """The opening paragraph after the title and clearance's own first line."""
    intro = re.split(r"^## ", card.text, maxsplit=1, flags=re.MULTILINE)[0]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", intro) if p.strip()]
    described = [p for p in paragraphs if not p.startswith("#") and "written by clearance" not in p]
    if not described:
        return []  # a card without a description: nothing to check
    return [p for p in _text_problems(DESCRIPTION, "\n\n".join(described)) if p.problem != "empty"]


def _metadata_problems(
    card: ModelCard, record: dict[str, object], evidence_hash: str | None
) -> list[CardProblem]:
    problems = []
    if not eval_results(card):
        problems.append(
            CardProblem(
                "model-index",
                "no evaluation results",
                "regenerate the card with 'clearance card'",
            )
        )
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


def _record_problems(
    record: dict[str, object], decision: str | None, policy_hash: str | None
) -> list[CardProblem]:
    problems = []
    if policy_hash is not None and record.get("policy_hash") != policy_hash:
        found = str(record.get("policy_hash") or "none")[:12]
        problems.append(
            CardProblem(
                "Release decision",
                f"written under policy {found}, but the policy is now {policy_hash[:12]}",
                "run 'clearance check' on this policy, then regenerate the card with "
                "'clearance card'",
            )
        )
    elif decision is not None and record.get("decision") != decision:
        problems.append(
            CardProblem(
                "Release decision",
                f"the card states '{record.get('decision') or 'none'}', but the latest "
                f"recorded check decided '{decision}'",
                "regenerate the card with 'clearance card'",
            )
        )
    return problems

"""What changed between two cards: metrics and sections."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from huggingface_hub import ModelCard


def card_record(card: ModelCard) -> dict[str, Any]:
    """The card's front matter as a plain dict."""
    data: dict[str, Any] = card.data.to_dict()  # type: ignore[no-untyped-call]
    return data


def eval_results(card: ModelCard) -> list[Any]:
    return list(getattr(card.data, "eval_results", None) or [])


def card_metrics(card: ModelCard) -> dict[str, float]:
    results = eval_results(card)
    return {r.metric_name or r.metric_type: float(r.metric_value) for r in results}


def card_sections(card: ModelCard) -> dict[str, str]:
    parts = re.split(r"^## +(.+?)\s*$", card.text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def metric_changes(before: Mapping[str, float], new: Mapping[str, float | None]) -> list[str]:
    out = []
    for name in sorted(set(before) | {k for k, v in new.items() if v is not None}):
        a, b = before.get(name), new.get(name)
        if a is None and b is not None:
            out.append(f"`{name}`: new, {b:.4g}")
        elif b is None and a is not None:
            out.append(f"`{name}`: removed (was {a:.4g})")
        elif a is not None and b is not None and abs(a - b) > 1e-12:
            out.append(f"`{name}`: {a:.4g} → {b:.4g} ({b - a:+.4g})")
    return out


def diff_cards(old: ModelCard, new: ModelCard) -> list[str]:
    """Human-readable lines: changed metrics, then added, removed and edited sections."""
    lines = metric_changes(card_metrics(old), card_metrics(new))
    a, b = card_sections(old), card_sections(new)
    lines += [f"section added: {t}" for t in b if t not in a]
    lines += [f"section removed: {t}" for t in a if t not in b]
    lines += [f"section changed: {t}" for t in b if t in a and a[t] != b[t]]
    return lines

"""Markdown to safe HTML for cards: raw HTML in the source is escaped, not passed on."""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(markdown: str) -> str:
    """Render a card (its YAML front matter dropped) as HTML."""
    html: str = _parser().render(strip_front_matter(markdown))
    return html


def strip_front_matter(text: str) -> str:
    if not text.startswith("---\n"):
        return text
    end = text.find("\n---\n", 4)
    return text if end < 0 else text[end + 5 :]

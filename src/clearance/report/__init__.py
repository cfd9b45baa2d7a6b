"""Report renderers: table, JSON, Markdown, HTML, JUnit."""

from __future__ import annotations

from collections.abc import Callable

from clearance.checklist import Report
from clearance.report._html import render_html
from clearance.report._junit import render_junit
from clearance.report._text import render_json, render_markdown, render_table

FORMATS: dict[str, Callable[[Report], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
    "html": render_html,
    "junit": render_junit,
}
"""Format name -> renderer, as accepted by ``clearance check --format``."""


def render(report: Report, fmt: str) -> str:
    return FORMATS[fmt](report)


__all__ = [
    "FORMATS",
    "render",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_table",
]

"""Printing stored text safely: nothing a user wrote can style or steer the terminal.

Incident titles, waiver reasons, release names and model outputs reach the terminal. In
them, rich markup (``[link=...]``, ``[/]``) must stay literal, and control characters
(ANSI/OSC escape sequences that recolour, retitle, hide text or write hyperlinks; Unicode
bidirectional overrides that reorder what is shown) are made visible as ``\\x1b``-style
escapes instead of being sent to the terminal. Every console and table of the CLI goes
through here, so the rule has one home.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with every control character except newline and tab shown as an escape."""
    return _UNSAFE.sub(_visible, text)


class SafeConsole(Console):
    """A rich console that never interprets markup unless a call asks (``markup=True``,
    with user text passed through :func:`rich.markup.escape`), and that cleans control
    characters out of every string it prints."""

    verbose: bool = False
    """Set by ``--verbose``: callers may print more detail."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("highlight", False)
        super().__init__(**kwargs)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(clean(o) if isinstance(o, str) else o for o in objects), **kwargs)

    def error(self, *objects: Any, **kwargs: Any) -> None:
        """Print even when the console is quiet (``--quiet`` keeps errors)."""
        quiet, self.quiet = self.quiet, False
        try:
            kwargs.setdefault("soft_wrap", True)
            self.print(*objects, **kwargs)
        finally:
            self.quiet = quiet


class SafeTable(Table):
    """A rich table whose string cells are literal text (no markup), cleaned, and whose
    long cells wrap onto more lines instead of being cut short with an ellipsis."""

    def add_column(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("overflow", "fold")
        super().add_column(*args, **kwargs)

    def add_row(self, *renderables: Any, **kwargs: Any) -> None:
        cells = [Text(clean(r)) if isinstance(r, str) else r for r in renderables]
        super().add_row(*cells, **kwargs)

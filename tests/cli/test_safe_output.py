"""Stored text printed by the CLI can neither style nor steer the terminal."""

from __future__ import annotations

import io

from clearance.cli._safe import SafeConsole, SafeTable, clean

HOSTILE = "[red]fake[/] [link=https://evil.example]click[/link] \x1b[2J\x1b]0;pwned\x07 \u202eevil"


def _render(*objects: object) -> str:
    buffer = io.StringIO()
    SafeConsole(file=buffer, width=300, color_system=None).print(*objects)
    return buffer.getvalue()


def test_clean_makes_control_characters_visible() -> None:
    assert clean("a\x1b[31mb\tc\nd\x07\u202e") == "a\\x1b[31mb\tc\nd\\x07\\u202e"
    assert "\x1b" not in clean(HOSTILE) and "\u202e" not in clean(HOSTILE)


def test_console_prints_markup_literally_and_no_escape_sequences() -> None:
    shown = _render(HOSTILE)
    assert "[red]fake[/]" in shown and "[link=https://evil.example]" in shown
    assert "\x1b" not in shown and "\x07" not in shown and "\\x1b[2J" in shown


def test_table_cells_are_literal() -> None:
    table = SafeTable("title")
    table.add_row(HOSTILE)
    shown = _render(table)
    assert "[red]fake[/]" in shown and "\x1b" not in shown and "\\x1b" in shown

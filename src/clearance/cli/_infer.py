"""``--out FILE`` without ``--format``: the format follows the file's extension.

``clearance check -o report.html`` writes HTML, ``-o report.md`` Markdown, ``-o
report.json`` JSON, ``-o report.xml`` JUnit XML and ``-o report.txt`` the table. An
explicit ``--format`` always wins; an extension that names no format is bad input
(exit 2) naming the extensions that do; a name without an extension keeps the command's
default format. The commands themselves stay as they are:
each is wrapped here, before it is registered, and told the inferred format.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import typer
from typer._click.core import ParameterSource

from clearance.errors import UsageError

F = TypeVar("F", bound=Callable[..., Any])

REPORT_SUFFIXES: dict[str, str] = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".xml": "junit",
    ".junit": "junit",
    ".txt": "table",
}
"""Extension of ``check --out`` -> report format."""

CARD_SUFFIXES: dict[str, str] = {".md": "markdown", ".markdown": "markdown", ".json": "cyclonedx"}
"""Extension of ``card --out`` -> card format (CycloneDX is JSON)."""


def format_for(path: Path, suffixes: Mapping[str, str]) -> str:
    """The format ``path``'s extension names.

    Raises:
        UsageError: the extension names none of them (exit 2).
    """
    found = suffixes.get(path.suffix.lower())
    if found is None:
        known = ", ".join(f"{s} ({f})" for s, f in suffixes.items())
        raise UsageError(
            f"--out {path}: cannot tell the format from the extension '{path.suffix or '(none)'}'",
            fix=f"pass --format, or end the file name in one of {known}",
        )
    return found


def with_inferred_format(
    command: F, suffixes: Mapping[str, str], *, fmt: str = "fmt", out: str = "out_path"
) -> F:
    """``command`` with its ``fmt`` parameter taken from ``out``'s extension whenever the
    format was not given on the command line."""

    @functools.wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        path = kwargs.get(out)
        current = _current_context()
        given = current.get_parameter_source(fmt) is not ParameterSource.DEFAULT
        if path is not None and Path(path).suffix and not given:
            kind: type[enum.Enum] = type(kwargs[fmt])
            kwargs[fmt] = kind(format_for(Path(path), suffixes))
        return command(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _current_context() -> Any:
    from typer._click.globals import get_current_context

    return get_current_context()


def infer_check_format(command: F) -> F:
    return with_inferred_format(command, REPORT_SUFFIXES)


def infer_card_format(card_app: typer.Typer) -> None:
    """Wrap the callback of ``clearance card`` (a group whose callback writes the card)."""
    info = card_app.registered_callback
    if info is not None and info.callback is not None:
        info.callback = with_inferred_format(info.callback, CARD_SUFFIXES)

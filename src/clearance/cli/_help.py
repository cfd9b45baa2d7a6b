"""Help in the user's words: ``TEXT``, ``PATH``, ``INTEGER``, ``[table|json]``, and no
type at all for a flag, instead of Typer's Python type names (``<str>``, ``<bool>``,
``<list[str]>``).

:class:`PlainHelpGroup` is the root command's class: when Typer builds the command
tree it relabels every parameter below it, so each way of reaching the help (``run``,
``typer.testing.CliRunner``, the docs generator) shows the same words.
"""

from __future__ import annotations

import enum
from datetime import datetime
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._click.core import Context
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

_NAMES: dict[object, str] = {
    str: "TEXT",
    int: "INTEGER",
    float: "FLOAT",
    bool: "BOOLEAN",
    Path: "PATH",
    datetime: "DATETIME",
}


def label(param: TyperOption | TyperArgument) -> str | None:
    """The help's word for what ``param`` takes (None for a flag, which takes nothing)."""
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return None
    desc = param.type_descriptor
    if desc.is_choice and desc.choices is not None:
        return "[" + "|".join(_choice(c) for c in desc.choices) + "]"
    if desc.is_path:
        return "PATH"
    annotation: Any = desc.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return _NAMES.get(annotation, "VALUE")


def _choice(value: object) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


class _PlainOption(TyperOption):
    def display_type_rich(self, ctx: Context) -> str | None:
        if self.metavar is not None:
            return self.metavar
        return label(self)


class _PlainArgument(TyperArgument):
    def display_type_rich(self, ctx: Context) -> str | None:
        return label(self)


def _plain(params: list[Any]) -> list[Any]:
    for param in params:
        if type(param) is TyperOption:
            param.__class__ = _PlainOption
        elif type(param) is TyperArgument:
            param.__class__ = _PlainArgument
    return params


class _PlainCommand(TyperCommand):
    def get_params(self, ctx: Context) -> list[Any]:
        return _plain(super().get_params(ctx))


class _PlainGroup(TyperGroup):
    def get_params(self, ctx: Context) -> list[Any]:
        return _plain(super().get_params(ctx))


def relabel(command: Any) -> None:
    """Give every parameter of ``command``'s subcommands, including the ones made per
    invocation (``--help``), the plain labels."""
    for sub in getattr(command, "commands", {}).values():
        if type(sub) is TyperCommand:
            sub.__class__ = _PlainCommand
        elif type(sub) is TyperGroup:
            sub.__class__ = _PlainGroup
        relabel(sub)


class PlainHelpGroup(TyperGroup):
    """The root group: relabels the whole tree once it is built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        relabel(self)

    def get_params(self, ctx: Context) -> list[Any]:
        return _plain(super().get_params(ctx))

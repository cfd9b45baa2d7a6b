"""Pydantic validation errors as :class:`Problem` s: every error, in the file's terms.

An unknown key that resembles a missing required key at the same place is one problem
(a misspelling), reported at the unknown key's line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from clearance.policy._fields import keys_at
from clearance.policy._models import Policy
from clearance.policy._problems import Problem
from clearance.policy._suggest import closest, did_you_mean, quoted_choices
from clearance.policy._yamlmap import Located, Path

_TAGS = frozenset({"openai", "python", "recorded", "builtin", "user"})
_ADAPTERS = ("openai", "python", "recorded")


def explain(exc: ValidationError, located: Located, file: str) -> list[Problem]:
    """One problem per pydantic error, misspelled required keys paired with their typo."""
    errors = [_tag_error(data_path(e["loc"], located.data), e) for e in exc.errors()]
    renamed = _renames(errors, located.data)
    problems: list[Problem] = []
    for path, error in errors:
        if error["type"] == "missing" and path in renamed.values():
            continue  # reported as the misspelling at the unknown key
        message, fix = _describe(path, error, located.data, renamed)
        problems.append(_at(located, file, path, message, fix))
    return problems


def _tag_error(path: Path, error: Any) -> tuple[Path, Any]:
    """An unknown ``adapter`` is an error of that key, not of the whole target."""
    found = error.get("input")
    if error["type"] == "invalid_adapter" and isinstance(found, Mapping) and "adapter" in found:
        return (*path, "adapter"), {**error, "input": found["adapter"]}
    return path, error


def _renames(errors: list[tuple[Path, Any]], data: Any) -> dict[Path, Path]:
    """Unknown key path -> the missing required key path it misspells (same parent)."""
    missing = {p for p, e in errors if e["type"] == "missing" and p}
    out: dict[Path, Path] = {}
    for path, error in errors:
        if error["type"] != "extra_forbidden" or not path:
            continue
        siblings = [str(m[-1]) for m in missing if m[:-1] == path[:-1] and m not in out.values()]
        found = closest(str(path[-1]), siblings)
        if found is not None:
            out[path] = (*path[:-1], found)
    return out


def _describe(path: Path, error: Any, data: Any, renamed: Mapping[Path, Path]) -> tuple[str, str]:
    kind = error["type"]
    key = str(path[-1]) if path else ""
    if kind == "extra_forbidden":
        if path in renamed:
            wanted = renamed[path][-1]
            return (
                f"unknown key '{key}'; the required key '{wanted}' is missing",
                f"did you mean '{wanted}'? rename '{key}' to '{wanted}'",
            )
        return f"unknown key '{key}'", _unknown_key_fix(path, data)
    if kind == "missing":
        return f"missing required key '{key}'", f"add '{key}' here (see 'clearance schema')"
    return _value_problem(error)


def _unknown_key_fix(path: Path, data: Any) -> str:
    allowed = keys_at(Policy, path[:-1], data)
    hint = did_you_mean(str(path[-1]), allowed)
    if hint is not None:
        return hint
    if allowed:
        return "remove this key; the keys allowed here are: " + ", ".join(allowed)
    return "remove this key"


def _value_problem(error: Any) -> tuple[str, str]:
    found = error.get("input")
    choices = _choices(error)
    if choices:
        allowed = "allowed: " + ", ".join(choices)
        hint = did_you_mean(str(found), choices) if isinstance(found, str) else None
        return f"{_show(found)} is not an allowed value here", (
            f"{hint} ({allowed})" if hint else allowed
        )
    msg = str(error["msg"]).removeprefix("Value error, ")
    return f"{msg}; found {_show(found)}", "see 'clearance schema' for what this key accepts"


def _choices(error: Any) -> list[str]:
    if error["type"] == "literal_error":
        return quoted_choices(str((error.get("ctx") or {}).get("expected", "")))
    if error["type"] == "invalid_adapter":
        return list(_ADAPTERS)
    return []


def _at(located: Located, file: str, path: Path, message: str, fix: str) -> Problem:
    line, column = located.position(path)
    return Problem(file, line, column, dotted(path) or "(top level)", message, fix)


def data_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """Map a pydantic error location onto the YAML key path (dropping union tags)."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        if _is_union_tag(loc, i):
            continue
        path.append(part)
        node = _child(node, part)
    return tuple(path)


def _is_union_tag(loc: tuple[int | str, ...], i: int) -> bool:
    """Tags follow a union's place: ``suites[i]`` and ``targets.<role>``."""
    if i < 2 or loc[i] not in _TAGS:
        return False
    parent = loc[i - 2 : i]
    return (parent[0] == "suites" and isinstance(parent[1], int)) or (
        parent[0] == "targets" and isinstance(parent[1], str) and i == 2
    )


def _child(node: Any, part: int | str) -> Any:
    if isinstance(node, Mapping):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        return type(value).__name__
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out

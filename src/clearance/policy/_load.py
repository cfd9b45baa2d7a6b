"""Loading ``clearance.yaml``: parse, interpolate ``${ENV}``, validate, cross-check.

Every failure is a :class:`~clearance.errors.PolicyError` naming the file, line, column,
key path, what was expected and what was found.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from clearance.errors import PolicyError
from clearance.policy._models import Policy
from clearance.policy._xref import cross_check
from clearance.policy._yamlmap import Located, Path, parse_yaml

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class LoadedPolicy:
    """What :func:`load_policy` knows beyond the model: where it came from, its hash,
    and the secret values interpolated into it (so they can be redacted)."""

    def __init__(self, path: FsPath, digest: str, secrets: frozenset[str]) -> None:
        self.path = path
        self.folder = path.parent
        self.digest = digest
        self.secrets = secrets

    def redact(self, text: str) -> str:
        """``text`` with every interpolated secret value replaced by ``***``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


def load_policy(path: str | os.PathLike[str], *, require_env: bool = True) -> Policy:
    """Load and validate a policy file.

    Args:
        path: the YAML file.
        require_env: when false, a missing ``${VAR}`` becomes an empty string instead of
            an error (``clearance validate`` in CI without secrets).

    Raises:
        PolicyError: the file is missing, malformed, invalid or inconsistent.
    """
    file = FsPath(path)
    text = _read(file)
    return parse_policy(text, file=file, require_env=require_env)


def parse_policy(text: str, *, file: FsPath, require_env: bool = True) -> Policy:
    """Validate policy text as if read from ``file`` (used for errors and relative paths)."""
    name = str(file)
    located = parse_yaml(text, name)
    if not isinstance(located.data, dict):
        raise PolicyError(
            f"the policy must be a mapping of keys, found {_kind(located.data)}",
            file=name,
            line=1,
            column=1,
            fix="start from 'clearance init'",
        )
    secrets: set[str] = set()
    data = _interpolate(located.data, (), located, name, secrets, require_env)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc, located, name) from None
    cross_check(policy, located, name)
    policy._source = LoadedPolicy(file.resolve(), _digest(located.data), frozenset(secrets))
    return policy


def _read(file: FsPath) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(
            "policy file not found",
            file=str(file),
            fix="run 'clearance init' to write one, or pass --policy PATH",
        ) from None
    except IsADirectoryError:
        raise PolicyError(
            "is a folder, not a file",
            file=str(file),
            fix="pass the policy file itself with --policy",
        ) from None
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"not UTF-8 text (byte {exc.start})", file=str(file), fix="save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise PolicyError(f"cannot read: {exc.strerror}", file=str(file)) from None


def _digest(raw: Any) -> str:
    """Hash of the policy before interpolation, so secret values never enter it."""
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _interpolate(
    value: Any, path: Path, located: Located, file: str, secrets: set[str], require_env: bool
) -> Any:
    if isinstance(value, dict):
        return {
            k: _interpolate(v, (*path, k), located, file, secrets, require_env)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            _interpolate(v, (*path, i), located, file, secrets, require_env)
            for i, v in enumerate(value)
        ]
    if isinstance(value, str) and "${" in value:
        return _substitute(value, path, located, file, secrets, require_env)
    return value


def _substitute(
    text: str, path: Path, located: Located, file: str, secrets: set[str], require_env: bool
) -> str:
    def repl(match: re.Match[str]) -> str:
        var, default = match.group(1), match.group(2)
        found = os.environ.get(var)
        if found is None and default is None and require_env:
            line, column = located.position(path)
            raise PolicyError(
                f"environment variable {var} is not set",
                file=file,
                line=line,
                column=column,
                path=_dotted(path),
                fix=f"export {var}=... or write ${{{var}:-default}}",
            )
        resolved = found if found is not None else (default or "")
        if found:
            secrets.add(found)
        return resolved

    return _ENV.sub(repl, text)


# --------------------------------------------------------------------------- errors


def _explain(exc: ValidationError, located: Located, file: str) -> PolicyError:
    """Turn the first pydantic error into a PolicyError; mention how many more there are."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    path = _data_path(first["loc"], located.data)
    line, column = located.position(path)
    message = _describe(first, path, located.data)
    if len(errors) > 1:
        message += f" ({len(errors) - 1} more problem(s) after this one)"
    return PolicyError(
        message,
        file=file,
        line=line,
        column=column,
        path=_dotted(path) or "(top level)",
        fix=_fix(first, path, located.data),
    )


def _data_path(loc: tuple[int | str, ...], data: Any) -> Path:
    """Map a pydantic error location onto the YAML key path (dropping union tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        found, child = _child(node, part)
        if found:
            path.append(part)
            node = child
        elif isinstance(node, Mapping) and isinstance(part, str) and path and _is_tag(part):
            continue  # discriminated-union tag, not a key in the file
        else:
            path.append(part)
            break
    return tuple(path)


def _child(node: Any, part: int | str) -> tuple[bool, Any]:
    if isinstance(node, Mapping) and part in node:
        return True, node[part]
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return True, node[part]
    return False, None


def _is_tag(part: str) -> bool:
    return part in {"openai", "python", "recorded", "builtin", "user"}


def _describe(error: Any, path: Path, data: Any) -> str:
    kind = error["type"]
    found = error.get("input")
    if kind == "extra_forbidden":
        return f"unknown key '{path[-1]}'"
    if kind == "missing":
        return f"missing required key '{path[-1]}'"
    msg = str(error["msg"])
    msg = msg.removeprefix("Value error, ")
    return f"{msg}; found {_show(found)}"


def _fix(error: Any, path: Path, data: Any) -> str:
    if error["type"] == "extra_forbidden":
        allowed = _allowed_keys(path[:-1], data)
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        if close:
            return f"did you mean '{close[0]}'?"
        return "allowed keys here: " + ", ".join(allowed) if allowed else "remove this key"
    if error["type"] == "missing":
        return f"add '{path[-1]}' here (see 'clearance schema')"
    return "see 'clearance schema' for what this key accepts"


def _allowed_keys(parent: Path, data: Any) -> list[str]:
    """Field names of the model that sits at ``parent`` in the policy."""
    from clearance.policy._fields import model_at

    model = model_at(Policy, parent, data)
    if model is None:
        return []
    return list(model.model_fields)


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        return type(value).__name__
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "nothing"}.get(type(value), "a value")


def _dotted(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out

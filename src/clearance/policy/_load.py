"""Loading ``clearance.yaml``: parse, interpolate ``${ENV}``, validate, cross-check.

Every failure is a :class:`~clearance.errors.PolicyError` naming the file, line, column,
key path, what was expected and what was found.
"""

from __future__ import annotations

import os
import re
from pathlib import Path as FsPath
from typing import Any

from pydantic import ValidationError

from clearance.common import canonical_sha256, mask_secrets
from clearance.errors import PolicyError
from clearance.policy._explain import data_path, dotted, explain
from clearance.policy._models import Policy
from clearance.policy._problems import PolicyErrors, Problem
from clearance.policy._prune import prunable, prune
from clearance.policy._xref import cross_problems
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
        """``text`` with every interpolated secret value replaced by ``[SECRET]``."""
        return mask_secrets(text, self.secrets)


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
    """Validate policy text as if read from ``file`` (used for errors and relative paths).

    Raises:
        PolicyErrors: every problem found: schema errors and, for the parts that
            passed it, cross-reference errors.
    """
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
    missing: list[Problem] = []
    data = _interpolate(located.data, (), Env(located, name, secrets, require_env, missing))
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyErrors(
            _but_unset(missing, _schema_and_rest(exc, data, located, name))
        ) from None
    problems = _but_unset(missing, cross_problems(policy, located, name))
    if problems:
        raise PolicyErrors(problems)
    policy._source = LoadedPolicy(file.resolve(), _digest(located.data), frozenset(secrets))
    return policy


def _but_unset(missing: list[Problem], problems: list[Problem]) -> list[Problem]:
    """The unset variables, and the other problems except those at their places (an
    unset variable reads as an empty string, which is rarely valid)."""
    unset = {p.path for p in missing}
    return missing + [p for p in problems if p.path not in unset]


def _schema_and_rest(exc: ValidationError, data: Any, located: Located, file: str) -> list[Problem]:
    """The schema problems, and the cross-reference problems of what is left when the
    parts that failed are left out (when that is safe; see :mod:`._prune`)."""
    problems = explain(exc, located, file)
    cuts = _cuts(exc, data)
    if cuts is None:
        return problems
    rest, back = prune(data, cuts)
    try:
        policy = Policy.model_validate(rest)
    except ValidationError:
        return problems
    return problems + cross_problems(policy, located, file, back)


def _cuts(exc: ValidationError, data: Any) -> list[Path] | None:
    """Where to cut ``data`` so that what is left validates, or None."""
    cuts = [prunable(data_path(e["loc"], data), e["type"]) for e in exc.errors()]
    if any(cut is None for cut in cuts):
        return None
    return [cut for cut in cuts if cut is not None]


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
    return canonical_sha256(raw, ascii_only=True, stringify=True)


class Env:
    """What interpolation needs: where values stand, and what it collects."""

    def __init__(
        self,
        located: Located,
        file: str,
        secrets: set[str],
        require_env: bool,
        missing: list[Problem],
    ) -> None:
        self.located = located
        self.file = file
        self.secrets = secrets
        self.require_env = require_env
        self.missing = missing


def _interpolate(value: Any, path: Path, env: Env) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, (*path, k), env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, (*path, i), env) for i, v in enumerate(value)]
    if isinstance(value, str) and "${" in value:
        return _substitute(value, path, env)
    return value


def _substitute(text: str, path: Path, env: Env) -> str:
    def repl(match: re.Match[str]) -> str:
        var, default = match.group(1), match.group(2)
        found = os.environ.get(var)
        if found is None and default is None and env.require_env:
            line, column = env.located.position(path)
            env.missing.append(
                Problem(
                    env.file,
                    line,
                    column,
                    dotted(path),
                    f"environment variable {var} is not set",
                    f"export {var}=... or write ${{{var}:-default}}",
                )
            )
        resolved = found if found is not None else (default or "")
        if found:
            env.secrets.add(found)
        return resolved

    return _ENV.sub(repl, text)


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "nothing"}.get(type(value), "a value")

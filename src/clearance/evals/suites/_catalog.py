"""Load a built-in suite from the package data, or a public set the policy points it at."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from clearance.errors import DataError, UsageError
from clearance.evals.suites._builtins import SUITE_BY_NAME, builtin_spec
from clearance.evals.suites._public import load_public_csv
from clearance.evals.suites._records import content_hash, parse_jsonl, to_record
from clearance.evals.suites._types import BuiltinSuiteData, SuiteSample
from clearance.policy import BUILTIN_SUITES

BUILTIN_SUITE_NAMES: tuple[str, ...] = tuple(BUILTIN_SUITES)
"""The suites that ship with clearance, as named in ``suites: - builtin: NAME``."""

_DATA = resources.files("clearance.evals.suites").joinpath("data")


@lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """The generator's record of every built-in suite: version, content hash, counts."""
    return cast(dict[str, Any], json.loads(_DATA.joinpath("manifest.json").read_text("utf-8")))


@lru_cache(maxsize=len(BUILTIN_SUITE_NAMES))
def _builtin_samples(name: str) -> tuple[SuiteSample, ...]:
    dataset = SUITE_BY_NAME[name].dataset
    text = _DATA.joinpath(dataset).read_text("utf-8")
    return tuple(parse_jsonl(text, file=f"clearance/evals/suites/data/{dataset}"))


def load_builtin(
    name: str, *, path: str | os.PathLike[str] | None = None, limit: int | None = None
) -> BuiltinSuiteData:
    """A built-in suite's samples and what identifies them.

    Args:
        name: one of ``BUILTIN_SUITE_NAMES``.
        path: replace the built-in samples with a file: a JSONL in the built-in format (any
            suite), or for ``harmful-refusal`` and ``over-refusal`` a public set in its
            published CSV format (XSTest, JailbreakBench, HarmBench, AdvBench).
        limit: keep only the first ``limit`` samples.

    Raises:
        UsageError: an unknown suite, a bad limit, or a CSV for a suite that takes none.
        DataError: the file is unreadable or malformed (the message names file and line).
    """
    if name not in BUILTIN_SUITES:
        raise UsageError(f"no built-in suite {name!r}", fix=f"use one of {BUILTIN_SUITE_NAMES}")
    if limit is not None and limit < 1:
        raise UsageError(f"limit must be at least 1, not {limit}")
    if path is None:
        samples, version, source = list(_builtin_samples(name)), _version(name), "builtin"
    else:
        source = os.fspath(path)
        samples, version = _external(name, source), "external"
    samples = samples[:limit]
    return BuiltinSuiteData(
        name=name,
        version=version,
        content_hash=content_hash(to_record(s) for s in samples),
        samples=samples,
        metrics=tuple(f"{name}.{metric}" for metric in BUILTIN_SUITES[name]),
        source=source,
    )


def _version(name: str) -> str:
    return str(manifest()["suites"][name]["version"])


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror}", file=path) from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8 text at byte {exc.start}", file=path) from exc


def _external(name: str, path: str) -> list[SuiteSample]:
    text = _read(path)
    if path.lower().endswith(".jsonl"):
        return parse_jsonl(text, file=path)
    spec = builtin_spec(name)
    expected = spec.public_expected if spec is not None else None
    if expected is None:
        raise UsageError(
            f"suite {name!r} takes a JSONL file in the built-in format, not {path!r}",
            fix="public CSV sets fit only harmful-refusal and over-refusal",
        )
    samples = [s for s in load_public_csv(text, path, expected=expected) if s.expected == expected]
    if not samples:
        raise DataError(f"no rows of the file fit {name!r} (all are labelled otherwise)", file=path)
    return samples

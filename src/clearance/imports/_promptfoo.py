"""Read promptfoo results: the JSON that ``promptfoo eval -o results.json`` writes.

The file is one object, ``{evalId, results: {version, timestamp, prompts, results: [...],
stats}, config, shareableUrl, metadata}`` (results format version 3, promptfoo 0.121).
Each row of ``results.results`` is one test run by one provider with one prompt; the rows
of each (provider, prompt) pair make one task, named by the provider's label (else its
id), followed by `` / `` and the prompt's label when the eval has several prompts. The
provider's id is the task's model. A file holding several providers (candidate and
baseline in one eval) gives one task per provider.

An item's key is its test's ``metadata.id`` when set, else ``vars:`` and the first 16 hex
of the hash of its ``vars``; ``repeat`` counts earlier rows of the task with that key, in
``testIdx`` order (``--repeat N`` runs each test N times). Its digest hashes ``vars`` and
the test's ``assert`` list. Scores: the row's ``score`` under ``score``; each of
``namedScores`` under its own name (a metric named ``score`` becomes ``named:score``);
each assertion without a ``metric`` under ``assert:<type>`` (``assert:<type>#2`` for a
second one of that type). ``failureReason`` 0 or 1 gives ``passed`` from ``success``; 2
(the provider or an assertion failed to run) makes the item an error, without scores.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearance.common import canonical_sha256
from clearance.errors import DataError
from clearance.imports._files import load_json
from clearance.imports._model import ImportedItem, ImportedTask

__all__ = ["read", "recognises"]

_HEAD_BYTES = 4096
_HEAD = re.compile(rb'^(?:\xef\xbb\xbf)?\s*\{\s*"evalId"\s*:')
_FORMAT_VERSION = 3
_FIX_RERUN = "pass the JSON written by 'promptfoo eval -o results.json' (or 'promptfoo export')"
_ERROR = 2

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Parsed:
    """One result row read: which task it belongs to and the item without its repeat."""

    provider_id: str
    provider_label: str | None
    prompt_key: str
    prompt_label: str
    order: int
    item: ImportedItem


# --- entry points -----------------------------------------------------------------------


def recognises(path: Path) -> bool:
    """Whether ``path`` is a promptfoo results JSON (it starts with ``{"evalId":``)."""
    try:
        if path.suffix.lower() != ".json" or not path.is_file():
            return False
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return False
    return _HEAD.match(head) is not None


def read(path: Path) -> list[ImportedTask]:
    """Every (provider, prompt) task of the promptfoo results file ``path``."""
    if path.is_dir():
        raise DataError(
            "promptfoo writes one results file, not a folder",
            file=str(path),
            fix="pass the file given to 'promptfoo eval -o' (e.g. results.json)",
        )
    results = _results(path, load_json(path, _FIX_RERUN))
    rows = _list(path, results, "results", "results.results")
    parsed = [_parse_row(path, row, i) for i, row in enumerate(rows)]
    if not parsed:
        raise DataError(
            "the eval has no results",
            file=str(path),
            path="results.results",
            fix="run an eval with at least one test, then write it with -o results.json",
        )
    return _tasks(path, parsed, _notes(path, results))


# --- the file ---------------------------------------------------------------------------


def _results(path: Path, value: Any) -> Row:
    """The ``results`` object of the file, checked to be promptfoo's."""
    if not isinstance(value, dict):
        raise DataError("a promptfoo results file is a JSON object", file=str(path), fix=_FIX_RERUN)
    if "results" not in value or "evalId" not in value:
        raise DataError(
            "not a promptfoo results file: no evalId and results",
            file=str(path),
            path="results",
            fix=_FIX_RERUN,
        )
    results = value["results"]
    if not isinstance(results, dict):
        raise DataError(
            "results is not an object (a promptfoo 'eval -o' file of an older format?)",
            file=str(path),
            path="results",
            fix=_FIX_RERUN,
        )
    return results


def _notes(path: Path, results: Row) -> tuple[str, ...]:
    """What the user should know about the file beyond its rows."""
    version = results.get("version")
    if version is None:
        return ("the file names no results format version; read as version 3",)
    if not isinstance(version, int) or isinstance(version, bool):
        raise DataError(
            "results.version is not a whole number",
            file=str(path),
            path="results.version",
            fix=_FIX_RERUN,
        )
    if version != _FORMAT_VERSION:
        return (f"results format version {version}; read as version {_FORMAT_VERSION}",)
    return ()


# --- one row ----------------------------------------------------------------------------


def _parse_row(path: Path, row: Any, index: int) -> _Parsed:
    """Result row ``index`` as an item and the task it belongs to."""
    where = f"results.results[{index}]"
    if not isinstance(row, dict):
        raise DataError("a result row is not an object", file=str(path), path=where, fix=_FIX_RERUN)
    provider_id, provider_label = _provider(path, row, where)
    prompt = _dict(path, row, "prompt", f"{where}.prompt")
    prompt_key, prompt_label = _prompt_key(path, row, prompt, where)
    test = _opt_dict(path, row, "testCase", f"{where}.testCase") or {}
    vars_ = _vars(path, row, test, where)
    asserts = _list(path, test, "assert", f"{where}.testCase.assert", required=False)
    item = ImportedItem(
        sample_id=_sample_id(path, test, vars_, where),
        digest=canonical_sha256({"vars": vars_, "assert": asserts}),
        prompt=_opt_str(path, prompt, "raw", f"{where}.prompt.raw"),
        target=_target(asserts),
        category=_category(test),
        details=_details(path, row, test, where),
        **_outcome(path, row, where),
        **_usage(path, row, where),
    )
    order = row.get("testIdx")
    return _Parsed(
        provider_id=provider_id,
        provider_label=provider_label,
        prompt_key=prompt_key,
        prompt_label=prompt_label,
        order=order if isinstance(order, int) and not isinstance(order, bool) else index,
        item=item,
    )


def _provider(path: Path, row: Row, where: str) -> tuple[str, str | None]:
    """The row's provider id and label (None when it has none)."""
    provider = row.get("provider")
    if isinstance(provider, str) and provider:
        return provider, None
    if not isinstance(provider, dict):
        raise DataError(
            "the row names no provider ({id, label})",
            file=str(path),
            path=f"{where}.provider",
            fix=_FIX_RERUN,
        )
    provider_id = _opt_str(path, provider, "id", f"{where}.provider.id")
    if not provider_id:
        raise DataError(
            "the row's provider has no id",
            file=str(path),
            path=f"{where}.provider.id",
            fix=_FIX_RERUN,
        )
    return provider_id, _opt_str(path, provider, "label", f"{where}.provider.label") or None


def _prompt_key(path: Path, row: Row, prompt: Row, where: str) -> tuple[str, str]:
    """What tells the row's prompt from the eval's others, and its label."""
    label = _opt_str(path, prompt, "label", f"{where}.prompt.label") or ""
    prompt_id = _opt_str(path, row, "promptId", f"{where}.promptId")
    return prompt_id or label, label or prompt_id or ""


def _vars(path: Path, row: Row, test: Row, where: str) -> Mapping[str, Any]:
    """The row's ``vars`` (the test's when the row has none)."""
    found = _opt_dict(path, row, "vars", f"{where}.vars")
    if found is None:
        found = _opt_dict(path, test, "vars", f"{where}.testCase.vars")
    if found is None:
        raise DataError("the row has no vars", file=str(path), path=f"{where}.vars", fix=_FIX_RERUN)
    return found


def _sample_id(path: Path, test: Row, vars_: Mapping[str, Any], where: str) -> str:
    """The test's ``metadata.id``, else a hash of its vars."""
    metadata = _opt_dict(path, test, "metadata", f"{where}.testCase.metadata") or {}
    given = metadata.get("id")
    if isinstance(given, bool):
        given = None
    if isinstance(given, int):
        return str(given)
    if isinstance(given, str) and given:
        return given
    return "vars:" + canonical_sha256(vars_)[:16]


def _target(asserts: list[Any]) -> str | None:
    """The value of the test's first ``equals`` assertion, as text."""
    for check in asserts:
        if isinstance(check, dict) and check.get("type") == "equals":
            value = check.get("value")
            if isinstance(value, str):
                return value
            if value is not None:
                return json.dumps(value, sort_keys=True)
    return None


def _category(test: Row) -> str | None:
    """The test's ``metadata.category``, when it is text."""
    metadata = test.get("metadata")
    if isinstance(metadata, dict):
        category = metadata.get("category")
        if isinstance(category, str) and category:
            return category
    return None


def _details(path: Path, row: Row, test: Row, where: str) -> dict[str, Any]:
    """The test's description and the grader's reason, where given."""
    details: dict[str, Any] = {}
    description = _opt_str(path, test, "description", f"{where}.testCase.description")
    if description:
        details["description"] = description
    grading = _opt_dict(path, row, "gradingResult", f"{where}.gradingResult")
    reason = grading.get("reason") if grading else None
    if isinstance(reason, str) and reason:
        details["reason"] = reason
    return details


# --- outcome: scores, pass, error -------------------------------------------------------


def _outcome(path: Path, row: Row, where: str) -> dict[str, Any]:
    """``scores``, ``passed``, ``error`` and ``output`` of the row."""
    response = _opt_dict(path, row, "response", f"{where}.response") or {}
    output = _output(response)
    if _failure_reason(path, row, where) == _ERROR:
        return {"scores": {}, "passed": None, "error": _error_text(row, response), "output": output}
    success = row.get("success")
    if not isinstance(success, bool):
        raise DataError(
            "success is not true or false",
            file=str(path),
            path=f"{where}.success",
            fix=_FIX_RERUN,
        )
    return {"scores": _scores(path, row, where), "passed": success, "error": None, "output": output}


def _failure_reason(path: Path, row: Row, where: str) -> int:
    """promptfoo's ``failureReason`` (0 none, 1 assertion, 2 error), inferred when absent."""
    reason = row.get("failureReason")
    if reason is None:
        if row.get("success") is True:
            return 0
        return 1 if isinstance(row.get("gradingResult"), dict) else _ERROR
    if reason not in (0, 1, 2) or isinstance(reason, bool):
        raise DataError(
            f"failureReason is {reason!r}, not 0, 1 or 2",
            file=str(path),
            path=f"{where}.failureReason",
            fix=_FIX_RERUN,
        )
    return int(reason)


def _error_text(row: Row, response: Row) -> str:
    """The error promptfoo recorded for the row."""
    for value in (row.get("error"), response.get("error")):
        if isinstance(value, str) and value:
            return value
    return "promptfoo recorded an error for this test (failureReason 2)"


def _output(response: Row) -> str | None:
    """The provider's output as text (JSON for structured output)."""
    output = response.get("output")
    if output is None or isinstance(output, str):
        return output
    return json.dumps(output, sort_keys=True)


def _scores(path: Path, row: Row, where: str) -> dict[str, float]:
    """``score``, each assertion's score and each named score of the row."""
    scores = {"score": _number(path, row.get("score"), f"{where}.score")}
    grading = _opt_dict(path, row, "gradingResult", f"{where}.gradingResult") or {}
    parts = _list(
        path,
        grading,
        "componentResults",
        f"{where}.gradingResult.componentResults",
        required=False,
    )
    seen: Counter[str] = Counter()
    for i, part in enumerate(parts):
        name, value = _assertion_score(path, part, f"{where}.gradingResult.componentResults[{i}]")
        if name is None:
            continue
        seen[name] += 1
        key = name if seen[name] == 1 or not name.startswith("assert:") else f"{name}#{seen[name]}"
        if value is not None:
            scores[_scorer_name(key)] = value
    named = _opt_dict(path, row, "namedScores", f"{where}.namedScores") or {}
    for name, raw in named.items():
        if raw is not None:
            scores[_scorer_name(name)] = _number(path, raw, f"{where}.namedScores.{name}")
    return scores


def _assertion_score(path: Path, part: Any, where: str) -> tuple[str | None, float | None]:
    """An assertion result's scorer name (its metric, else ``assert:<type>``) and score."""
    if not isinstance(part, dict):
        raise DataError(
            "an assertion result is not an object", file=str(path), path=where, fix=_FIX_RERUN
        )
    assertion = part.get("assertion")
    if not isinstance(assertion, dict):
        return None, None
    metric = assertion.get("metric")
    kind = assertion.get("type")
    if isinstance(metric, str) and metric:
        name = metric
    elif isinstance(kind, str) and kind:
        name = f"assert:{kind}"
    else:
        return None, None
    score = part.get("score")
    return name, None if score is None else _number(path, score, f"{where}.score")


def _scorer_name(name: str) -> str:
    """A named score's scorer name: as given, but never the row's own ``score``."""
    return "named:score" if name == "score" else name


def _number(path: Path, value: Any, where: str) -> float:
    """``value`` as a score; anything but a number is a DataError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(
            f"a score is {value!r}, not a finite number",
            file=str(path),
            path=where,
            fix=_FIX_RERUN,
        )
    return float(value)


# --- usage: latency, tokens, cost -------------------------------------------------------


def _usage(path: Path, row: Row, where: str) -> dict[str, Any]:
    """``latency_ms``, ``input_tokens``, ``output_tokens`` and ``cost_usd`` of the row."""
    response = _opt_dict(path, row, "response", f"{where}.response") or {}
    tokens = _opt_dict(path, response, "tokenUsage", f"{where}.response.tokenUsage") or {}
    return {
        "latency_ms": _opt_number(path, row, "latencyMs", f"{where}.latencyMs"),
        "input_tokens": _opt_count(path, tokens, "prompt", f"{where}.response.tokenUsage"),
        "output_tokens": _opt_count(path, tokens, "completion", f"{where}.response.tokenUsage"),
        "cost_usd": _opt_number(path, row, "cost", f"{where}.cost"),
    }


def _opt_number(path: Path, obj: Row, key: str, where: str) -> float | None:
    """``obj[key]`` as a non-negative number, None when absent."""
    value = obj.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise DataError(
            f"{key} is {value!r}, not a non-negative number",
            file=str(path),
            path=where,
            fix=_FIX_RERUN,
        )
    return float(value)


def _opt_count(path: Path, obj: Row, key: str, where: str) -> int | None:
    """``obj[key]`` as a token count, None when absent."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DataError(
            f"{key} is {value!r}, not a token count",
            file=str(path),
            path=f"{where}.{key}",
            fix=_FIX_RERUN,
        )
    return value


# --- tasks ------------------------------------------------------------------------------


def _tasks(path: Path, parsed: list[_Parsed], notes: tuple[str, ...]) -> list[ImportedTask]:
    """The rows grouped by (provider, prompt), in the order they first appear."""
    groups: dict[tuple[str, str | None, str], list[_Parsed]] = {}
    for row in parsed:
        groups.setdefault((row.provider_id, row.provider_label, row.prompt_key), []).append(row)
    several_prompts = len({row.prompt_key for row in parsed}) > 1
    names = [_task_name(rows[0], several_prompts) for rows in groups.values()]
    clashes = {name for name, count in Counter(names).items() if count > 1}
    tasks = []
    for name, rows in zip(names, groups.values(), strict=True):
        first = rows[0]
        if name in clashes:
            name = f"{name} ({first.provider_id})"
        items = _with_repeats(rows)
        tasks.append(
            ImportedTask(
                tool="promptfoo",
                task=name,
                model=first.provider_id,
                scorers=_scorers(items),
                items=items,
                source=str(path),
                notes=notes,
            )
        )
    return tasks


def _task_name(row: _Parsed, several_prompts: bool) -> str:
    """The provider's label (else id), with the prompt's label when there are several."""
    name = row.provider_label or row.provider_id
    return f"{name} / {row.prompt_label}" if several_prompts else name


def _with_repeats(rows: list[_Parsed]) -> tuple[ImportedItem, ...]:
    """The rows' items in file order, each with its repeat (earlier rows, by testIdx)."""
    ranked = sorted(range(len(rows)), key=lambda i: (rows[i].order, i))
    seen: Counter[str] = Counter()
    repeats = [0] * len(rows)
    for i in ranked:
        key = rows[i].item.sample_id
        repeats[i] = seen[key]
        seen[key] += 1
    return tuple(_set_repeat(row.item, repeat) for row, repeat in zip(rows, repeats, strict=True))


def _set_repeat(item: ImportedItem, repeat: int) -> ImportedItem:
    """``item`` with ``repeat``."""
    if repeat == 0:
        return item
    return ImportedItem(
        sample_id=item.sample_id,
        repeat=repeat,
        digest=item.digest,
        scores=item.scores,
        passed=item.passed,
        prompt=item.prompt,
        target=item.target,
        output=item.output,
        error=item.error,
        latency_ms=item.latency_ms,
        input_tokens=item.input_tokens,
        output_tokens=item.output_tokens,
        cost_usd=item.cost_usd,
        category=item.category,
        details=item.details,
    )


def _scorers(items: tuple[ImportedItem, ...]) -> tuple[str, ...]:
    """Every scorer the items carry, ``score`` first, then in order of appearance."""
    names: dict[str, None] = {"score": None}
    for item in items:
        names.update(dict.fromkeys(item.scores))
    return tuple(names)


# --- typed access -----------------------------------------------------------------------


def _dict(path: Path, obj: Row, key: str, where: str) -> Row:
    """``obj[key]``, which must be an object."""
    value = obj.get(key)
    if not isinstance(value, dict):
        raise DataError(
            f"{key} is missing or not an object", file=str(path), path=where, fix=_FIX_RERUN
        )
    return value


def _opt_dict(path: Path, obj: Row, key: str, where: str) -> Row | None:
    """``obj[key]`` when it is an object, None when absent or null."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DataError(f"{key} is not an object", file=str(path), path=where, fix=_FIX_RERUN)
    return value


def _list(path: Path, obj: Row, key: str, where: str, *, required: bool = True) -> list[Any]:
    """``obj[key]`` as a list; absent or null is empty unless ``required``."""
    value = obj.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise DataError(
            f"{key} is missing or not a list", file=str(path), path=where, fix=_FIX_RERUN
        )
    return value


def _opt_str(path: Path, obj: Row, key: str, where: str) -> str | None:
    """``obj[key]`` when it is text, None when absent or null."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DataError(f"{key} is not text", file=str(path), path=where, fix=_FIX_RERUN)
    return value

"""Read DeepEval test runs: the JSON that ``evaluate()`` or ``deepeval test run`` saves.

DeepEval writes a run as one JSON object (pydantic ``TestRun`` dumped by alias):
``test_run_<YYYYMMDD_HHMMSS>.json`` in ``DEEPEVAL_RESULTS_FOLDER`` and
``.deepeval/.latest_run_full.json``, or the same object under ``testRunData`` in
``.deepeval/.latest_test_run.json``. A folder is read as a results folder: each of its
``test_run_*.json`` files is one task.

Each LLM test case (``testCases[]``) becomes an item. Its key is its ``name`` when the
user set one (DeepEval's default ``test_case_<order>`` counts as unset) and no other case
in the file has it, else ``input:`` and the first 16 hex of the input's hash; ``repeat``
counts earlier cases with the same key. Its digest hashes ``input``, ``expectedOutput``,
``context`` and ``retrievalContext``. Each ``metricsData[]`` entry's ``score`` is a score
under its ``name``; a metric that recorded an ``error`` and no score makes the item an
error. Conversational test cases are not read (a note says how many were left out).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clearance.common import canonical_sha256
from clearance.errors import DataError
from clearance.imports._files import load_json
from clearance.imports._model import ImportedItem, ImportedTask

__all__ = ["read", "recognises"]

_HEAD_BYTES = 4096
_HEAD = re.compile(
    rb'^(?:\xef\xbb\xbf)?\s*\{\s*"(?:testFile|testCases|testRunData|testRunLink)"\s*:'
)
_DEFAULT_NAME = re.compile(r"test_case_(\d+)")
_MODEL_KEYS = ("model", "model_name", "model name", "llm")
_FIX_RERUN = "pass a test run JSON saved by DeepEval (test_run_<time>.json), unedited"


# --- entry points -----------------------------------------------------------------------


def recognises(path: Path) -> bool:
    """Whether ``path`` is a DeepEval test-run JSON, or a folder holding some."""
    try:
        if path.is_dir():
            return any(_looks_like_run(p) for p in sorted(path.glob("test_run_*.json")))
        return _looks_like_run(path)
    except OSError:
        return False


def read(path: Path) -> list[ImportedTask]:
    """The test run in ``path`` (or each ``test_run_*.json`` in a folder) as tasks."""
    try:
        files = sorted(path.glob("test_run_*.json")) if path.is_dir() else None
    except OSError as exc:
        raise DataError(
            f"cannot read the folder: {exc.strerror or exc}",
            file=str(path),
            fix="check the path and its permissions",
        ) from None
    if files is not None:
        if not files:
            raise DataError(
                "this folder holds no DeepEval test run (no test_run_*.json)",
                file=str(path),
                fix="point at DEEPEVAL_RESULTS_FOLDER after a run, or at one run's JSON file",
            )
        return [_read_file(f) for f in files]
    return [_read_file(path)]


def _looks_like_run(path: Path) -> bool:
    """Whether the file starts the way DeepEval's test-run JSON does."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    return _HEAD.match(head) is not None


# --- the file ---------------------------------------------------------------------------


def _read_file(path: Path) -> ImportedTask:
    """One test-run file as one task."""
    run = _unwrap(path, load_json(path, _FIX_RERUN))
    cases = _list(path, run, "testCases", "testCases")
    items = _items(path, cases)
    notes = _notes(path, run)
    if not items:
        raise DataError(
            "the test run has no LLM test cases",
            file=str(path),
            path="testCases",
            fix="import a run that evaluated LLMTestCase items (conversational runs are not read)",
        )
    return ImportedTask(
        tool="deepeval",
        task=_task_name(path, run),
        version=_opt_str(path, run, "datasetVersion", ""),
        model=_model(path, run),
        scorers=_scorers(path, cases),
        items=tuple(items),
        source=str(path),
        notes=notes,
    )


def _unwrap(path: Path, value: Any) -> dict[str, Any]:
    """The ``TestRun`` object, also when saved under ``testRunData``."""
    if not isinstance(value, dict):
        raise DataError("a DeepEval test run is a JSON object", file=str(path), fix=_FIX_RERUN)
    if "testRunData" in value:
        inner = value["testRunData"]
        if not isinstance(inner, dict):
            raise DataError(
                "testRunData is not an object", file=str(path), path="testRunData", fix=_FIX_RERUN
            )
        return inner
    if "testRunLink" in value and "testCases" not in value:
        raise DataError(
            "this file only links to a run uploaded to Confident AI; it holds no results",
            file=str(path),
            fix="save the run locally (set DEEPEVAL_RESULTS_FOLDER) and import its "
            "test_run_<time>.json",
        )
    if "testCases" not in value:
        raise DataError(
            "not a DeepEval test run: no testCases",
            file=str(path),
            path="testCases",
            fix=_FIX_RERUN,
        )
    return value


def _task_name(path: Path, run: Mapping[str, Any]) -> str:
    """The run's identifier, else its dataset alias, test file, or the file's stem."""
    for key in ("identifier", "datasetAlias", "testFile"):
        value = _opt_str(path, run, key, "")
        if value:
            return Path(value).stem if key == "testFile" else value
    return path.stem


def _model(path: Path, run: Mapping[str, Any]) -> str | None:
    """The model named in the run's hyperparameters, if any."""
    hyper = _opt_dict(path, run, "hyperparameters", "")
    if hyper is None:
        return None
    for key, value in hyper.items():
        if key.strip().lower() in _MODEL_KEYS and isinstance(value, str) and value:
            return value
    return None


def _notes(path: Path, run: Mapping[str, Any]) -> tuple[str, ...]:
    """What the user should know about the run beyond its items."""
    notes = []
    conversational = _list(
        path, run, "conversationalTestCases", "conversationalTestCases", required=False
    )
    if conversational:
        notes.append(
            f"{len(conversational)} conversational test case(s) not read: only "
            "LLM test cases are imported"
        )
    if _model(path, run) is None:
        notes.append(
            "no model in the run's hyperparameters: pass hyperparameters="
            '{"model": ...} to evaluate() to record it'
        )
    return tuple(notes)


def _scorers(path: Path, cases: list[Any]) -> tuple[str, ...]:
    """Every metric name, in order of first appearance."""
    names: dict[str, None] = {}
    for index, case in enumerate(cases):
        where = f"testCases[{index}]"
        for m_index, metric in enumerate(_metrics(path, case, where)):
            names.setdefault(_str(path, metric, "name", f"{where}.metricsData[{m_index}]"))
    return tuple(names)


# --- items ------------------------------------------------------------------------------


def _items(path: Path, cases: list[Any]) -> list[ImportedItem]:
    """Every LLM test case as an item, keyed and counted."""
    records = [_case(path, case, f"testCases[{i}]") for i, case in enumerate(cases)]
    names = Counter(r["name"] for r in records if r["name"] is not None)
    seen: Counter[str] = Counter()
    items = []
    for record in records:
        name = record["name"]
        if name is not None and names[name] == 1:
            key = name
        else:
            key = "input:" + canonical_sha256(record["input"])[:16]
        items.append(_item(path, record, key, seen[key]))
        seen[key] += 1
    return items


def _case(path: Path, case: Any, where: str) -> dict[str, Any]:
    """The fields of one test case that an item needs, checked."""
    if not isinstance(case, dict):
        raise DataError("a test case is not an object", file=str(path), path=where, fix=_FIX_RERUN)
    metadata = (
        _opt_dict(path, case, "metadata", where)
        or _opt_dict(path, case, "additionalMetadata", where)
        or {}
    )
    return {
        "name": _user_name(path, case, where),
        "input": _str(path, case, "input", where),
        "output": _opt_str(path, case, "actualOutput", where),
        "target": _opt_str(path, case, "expectedOutput", where),
        "context": _opt_list(path, case, "context", where),
        "retrieval": _opt_list(path, case, "retrievalContext", where),
        "success": _opt_bool(path, case, "success", where),
        "metrics": [
            _metric(path, m, f"{where}.metricsData[{i}]")
            for i, m in enumerate(_metrics(path, case, where))
        ],
        "metadata": metadata,
        "latency_ms": _opt_num(path, metadata, "latency_ms", f"{where}.metadata"),
        "input_tokens": _tokens(path, case, metadata, "input", where),
        "output_tokens": _tokens(path, case, metadata, "output", where),
        "cost_usd": _opt_num(path, case, "tokenCost", where),
        "completion_time": _opt_num(path, case, "completionTime", where),
        "tags": _opt_list(path, case, "tags", where),
    }


def _user_name(path: Path, case: Mapping[str, Any], where: str) -> str | None:
    """The case's name, unless it is DeepEval's positional default ``test_case_<order>``."""
    name = _str(path, case, "name", where)
    default = _DEFAULT_NAME.fullmatch(name)
    order = case.get("order")
    if default and (order is None or (isinstance(order, int) and int(default[1]) == order)):
        return None
    return name


def _tokens(
    path: Path, case: Mapping[str, Any], metadata: Mapping[str, Any], kind: str, where: str
) -> int | None:
    """DeepEval's own token count, else the ``<kind>_tokens`` metadata convention."""
    native = _opt_int(path, case, f"{kind}TokenCount", where)
    if native is not None:
        return native
    return _opt_int(path, metadata, f"{kind}_tokens", f"{where}.metadata")


def _metrics(path: Path, case: Mapping[str, Any], where: str) -> list[Any]:
    """The case's ``metricsData`` list (empty when absent)."""
    return _list(path, case, "metricsData", f"{where}.metricsData", required=False)


def _metric(path: Path, metric: Any, where: str) -> dict[str, Any]:
    """One metric's result, checked."""
    if not isinstance(metric, dict):
        raise DataError(
            "a metricsData entry is not an object", file=str(path), path=where, fix=_FIX_RERUN
        )
    return {
        "name": _str(path, metric, "name", where),
        "score": _opt_num(path, metric, "score", where),
        "error": _opt_str(path, metric, "error", where),
        "success": _opt_bool(path, metric, "success", where),
        "threshold": _opt_num(path, metric, "threshold", where),
        "reason": _opt_str(path, metric, "reason", where),
        "model": _opt_str(path, metric, "evaluationModel", where),
        "cost": _opt_num(path, metric, "evaluationCost", where),
        "where": where,
    }


def _item(path: Path, record: Mapping[str, Any], key: str, repeat: int) -> ImportedItem:
    """One test case as an item: scores, or the metrics' errors."""
    scores, errors = _scores(path, record["metrics"])
    digest = canonical_sha256(
        {
            "input": record["input"],
            "expected_output": record["target"],
            "context": record["context"],
            "retrieval_context": record["retrieval"],
        }
    )
    error = "; ".join(errors) if errors else None
    return ImportedItem(
        sample_id=key,
        repeat=repeat,
        digest=digest,
        scores={} if error else scores,
        passed=None if error else record["success"],
        prompt=record["input"],
        target=record["target"],
        output=record["output"],
        error=error,
        latency_ms=record["latency_ms"],
        input_tokens=record["input_tokens"],
        output_tokens=record["output_tokens"],
        cost_usd=record["cost_usd"],
        category=_category(record),
        details=_details(record),
    )


def _scores(path: Path, metrics: list[dict[str, Any]]) -> tuple[dict[str, float], list[str]]:
    """Each metric's score by name, and the errors of metrics that have no score."""
    scores: dict[str, float] = {}
    errors: list[str] = []
    for metric in metrics:
        name = metric["name"]
        if name in scores:
            raise DataError(
                f"metric {name!r} appears twice in one test case",
                file=str(path),
                path=metric["where"],
                fix="give each metric of the run a distinct name",
            )
        if metric["score"] is not None:
            scores[name] = metric["score"]
        elif metric["error"] is not None:
            errors.append(f"{name}: {metric['error']}")
    return scores, errors


def _category(record: Mapping[str, Any]) -> str | None:
    """``metadata.category`` when a string, else the case's only tag."""
    category = record["metadata"].get("category")
    if isinstance(category, str):
        return category
    tags = record["tags"]
    if tags and len(tags) == 1 and isinstance(tags[0], str):
        return tags[0]
    return None


def _details(record: Mapping[str, Any]) -> dict[str, Any]:
    """What is shown beside the item: each metric's reason and verdict, tags, metadata."""
    details: dict[str, Any] = {}
    metrics = {
        m["name"]: {
            k: m[k]
            for k in ("reason", "threshold", "success", "model", "cost", "error")
            if m[k] is not None
        }
        for m in record["metrics"]
    }
    if metrics:
        details["metrics"] = metrics
    extra = {k: v for k, v in record["metadata"].items() if k != "latency_ms"}
    if extra:
        details["metadata"] = extra
    if record["tags"]:
        details["tags"] = record["tags"]
    if record["completion_time"] is not None:
        details["completion_time"] = record["completion_time"]
    return details


# --- typed field access -----------------------------------------------------------------


def _bad(path: Path, where: str, key: str, what: str) -> DataError:
    """The error for a field of the wrong type."""
    return DataError(f"{key} must be {what}", file=str(path), path=_at(where, key), fix=_FIX_RERUN)


def _at(where: str, key: str) -> str:
    """The location of ``key`` inside ``where`` (the top level when empty)."""
    return f"{where}.{key}" if where else key


def _str(path: Path, obj: Mapping[str, Any], key: str, where: str) -> str:
    """A required string field."""
    value = obj.get(key)
    if value is None:
        raise DataError(f"{key} is missing", file=str(path), path=_at(where, key), fix=_FIX_RERUN)
    if not isinstance(value, str):
        raise _bad(path, where, key, "a string")
    return value


def _opt_str(path: Path, obj: Mapping[str, Any], key: str, where: str) -> str | None:
    """An optional string field."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise _bad(path, where, key, "a string")
    return value


def _opt_bool(path: Path, obj: Mapping[str, Any], key: str, where: str) -> bool | None:
    """An optional boolean field."""
    value = obj.get(key)
    if value is not None and not isinstance(value, bool):
        raise _bad(path, where, key, "true or false")
    return value


def _opt_num(path: Path, obj: Mapping[str, Any], key: str, where: str) -> float | None:
    """An optional finite number field."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(path, where, key, "a number")
    number = float(value) if isinstance(value, float) else _int_as_float(path, where, key, value)
    if not math.isfinite(number):
        raise _bad(path, where, key, "a finite number")
    return number


def _int_as_float(path: Path, where: str, key: str, value: int) -> float:
    """An integer as a float, refusing ones too large for a float."""
    try:
        return float(value)
    except OverflowError:
        raise _bad(path, where, key, "a number of usual size") from None


def _opt_int(path: Path, obj: Mapping[str, Any], key: str, where: str) -> int | None:
    """An optional non-negative integer field."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(path, where, key, "a whole number from 0")
    return value


def _opt_list(path: Path, obj: Mapping[str, Any], key: str, where: str) -> list[Any] | None:
    """An optional list field."""
    value = obj.get(key)
    if value is not None and not isinstance(value, list):
        raise _bad(path, where, key, "a list")
    return value


def _opt_dict(path: Path, obj: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
    """An optional object field."""
    value = obj.get(key)
    if value is not None and not isinstance(value, dict):
        raise _bad(path, where, key, "an object")
    return value


def _list(
    path: Path, obj: Mapping[str, Any], key: str, where: str, *, required: bool = True
) -> list[Any]:
    """A list field; absent is an error when required, else an empty list."""
    value = obj.get(key)
    if value is None:
        if required:
            raise DataError(f"{key} is missing", file=str(path), path=where, fix=_FIX_RERUN)
        return []
    if not isinstance(value, list):
        raise DataError(f"{key} must be a list", file=str(path), path=where, fix=_FIX_RERUN)
    return value

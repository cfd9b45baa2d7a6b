"""Read lm-evaluation-harness output (``lm_eval --output_path DIR --log_samples``).

lm-eval writes ``DIR/<model>/results_<datetime>.json`` (aggregates, task configs,
versions, model) and, per task, ``samples_<task>_<datetime>.jsonl`` beside it: one line
per document and filter, with ``doc_id``, the tool's hashes of the document, prompt and
target, the filtered responses and each metric's value for that document.

An item's key is its ``doc_id`` (repeat 0: lm-eval scores repeats together, as one
line). Its digest is a hash of the tool's ``doc_hash`` and ``target_hash``; the
``prompt_hash`` is left out because it changes with the model's chat template, system
instruction and few-shot rendering, so a candidate and a baseline with different chat
templates would never pair.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clearance.common import canonical_sha256
from clearance.errors import DataError
from clearance.imports._files import load_json
from clearance.imports._model import ImportedItem, ImportedTask, hub_dataset

__all__ = ["read", "recognises"]

_RESULTS_KEYS = ("results", "configs", "versions")
_SAMPLE_KEYS = ("doc_id", "doc_hash", "target_hash")
_MAX_PEEK_BYTES = 32 * 1024 * 1024
_FIX_LOG_SAMPLES = (
    "re-run lm_eval with --log_samples (and --output_path) so each task's "
    "samples_<task>_<datetime>.jsonl is written beside the results file"
)
_FIX_POINT = (
    "point at one lm_eval results_<datetime>.json, a samples_<task>_<datetime>.jsonl, "
    "or a folder holding exactly one results file"
)


@dataclass(frozen=True, slots=True)
class _RunInfo:
    """What the results file says about a run: model, versions, configs."""

    model: str | None
    versions: Mapping[str, Any]
    configs: Mapping[str, Any]
    counts: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Line:
    """One samples line, checked, with where it came from."""

    number: int
    row: Mapping[str, Any]
    filter: str


# ---------------------------------------------------------------------------
# recognising


def recognises(path: Path) -> bool:
    """Whether ``path`` is an lm-eval results file, samples file or output folder."""
    try:
        if path.is_dir():
            return bool(_results_in_folder(path))
        if path.suffix == ".jsonl":
            return _looks_like_samples(path)
        if path.suffix == ".json":
            return _looks_like_results(path)
    except (OSError, ValueError, RecursionError):
        return False
    return False


def _looks_like_results(path: Path) -> bool:
    """Whether a JSON file has lm-eval's results shape."""
    if path.stat().st_size > _MAX_PEEK_BYTES:
        return path.name.startswith("results_")
    data = json.loads(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and all(isinstance(data.get(k), dict) for k in _RESULTS_KEYS)


def _looks_like_samples(path: Path) -> bool:
    """Whether a JSONL file's first line is an lm-eval sample."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline(_MAX_PEEK_BYTES)
    row = json.loads(first) if first.strip() else None
    return isinstance(row, dict) and all(k in row for k in _SAMPLE_KEYS)


def _results_in_folder(folder: Path) -> list[Path]:
    """lm-eval results files in ``folder``, or else in its immediate subfolders."""
    found = [p for p in sorted(folder.glob("results_*.json")) if _safe_is_results(p)]
    if found:
        return found
    return [p for p in sorted(folder.glob("*/results_*.json")) if _safe_is_results(p)]


def _safe_is_results(path: Path) -> bool:
    """:func:`_looks_like_results`, false on any read or parse failure."""
    try:
        return path.is_file() and _looks_like_results(path)
    except (OSError, ValueError, RecursionError):
        return False


# ---------------------------------------------------------------------------
# reading


def read(path: Path) -> list[ImportedTask]:
    """Read an lm-eval results file, samples file or output folder into tasks."""
    if path.is_dir():
        return _read_results(_one_results_file(path))
    if path.suffix == ".jsonl":
        return _read_samples_file(path)
    return _read_results(path)


def _one_results_file(folder: Path) -> Path:
    """The single results file in an output folder."""
    found = _results_in_folder(folder)
    if len(found) != 1:
        what = "no lm-eval results file" if not found else f"{len(found)} results files"
        raise DataError(f"the folder holds {what}", file=str(folder), fix=_FIX_POINT)
    return found[0]


def _read_results(path: Path) -> list[ImportedTask]:
    """Every (task, filter) of a results file, from the samples files beside it."""
    info = _run_info(path, load_json(path, _FIX_POINT))
    stamp = _stamp(path.name, path)
    if not info.configs:
        raise DataError(
            "the results file names no task", file=str(path), path="configs", fix=_FIX_POINT
        )
    tasks: list[ImportedTask] = []
    for task in info.configs:
        samples = path.parent / f"samples_{task}_{stamp}.jsonl"
        if not samples.is_file():
            raise DataError(
                f"task {task!r} has no samples file ({samples.name}) beside the results",
                file=str(path),
                path=f"configs.{task}",
                fix=_FIX_LOG_SAMPLES,
            )
        tasks.extend(_tasks_of(samples, task, info))
    return tasks


def _read_samples_file(path: Path) -> list[ImportedTask]:
    """The tasks of one samples file, with the matching results file's facts if found."""
    task, stamp = _task_and_stamp(path.name)
    info = _RunInfo(model=None, versions={}, configs={}, counts={})
    if stamp is not None:
        results = path.parent / f"results_{stamp}.json"
        if results.is_file():
            info = _run_info(results, load_json(results, _FIX_POINT))
    return _tasks_of(path, task, info)


def _task_and_stamp(name: str) -> tuple[str, str | None]:
    """The task and datetime of ``samples_<task>_<datetime>.jsonl``, else the stem."""
    stem = name.removesuffix(".jsonl")
    if stem.startswith("samples_") and stem.count("_") >= 2:
        rest = stem.removeprefix("samples_")
        cut = rest.rfind("_")
        return rest[:cut], rest[cut + 1 :]
    return stem, None


def _stamp(name: str, path: Path) -> str:
    """The datetime part of a results file's name (after its last ``_``)."""
    stem = name.removesuffix(".json")
    if "_" not in stem:
        raise DataError(
            "the results file's name has no _<datetime> part to find its samples files by",
            file=str(path),
            fix="keep lm_eval's own file names (results_<datetime>.json)",
        )
    return stem[stem.rfind("_") + 1 :]


# ---------------------------------------------------------------------------
# the results file


def _run_info(path: Path, data: Any) -> _RunInfo:
    """Model, versions and configs of a results file, checked."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise DataError(
            "not an lm-eval results file (no 'results' object)", file=str(path), fix=_FIX_POINT
        )
    configs = _mapping(data, "configs", path)
    for task, config in configs.items():
        if not isinstance(config, dict):
            raise DataError(
                "a task's config is not an object",
                file=str(path),
                path=f"configs.{task}",
                fix="use the results file lm_eval wrote, unedited",
            )
    return _RunInfo(
        model=_model_of(data, path),
        versions=_mapping(data, "versions", path),
        configs=configs,
        counts=_mapping(data, "n-samples", path),
    )


def _mapping(data: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
    """``data[key]`` as an object, empty when absent."""
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise DataError(
            f"'{key}' is not an object",
            file=str(path),
            path=key,
            fix="use the results file lm_eval wrote, unedited",
        )
    return value


def _model_of(data: Mapping[str, Any], path: Path) -> str | None:
    """The model lm-eval ran: ``model_name``, else ``config.model_args``' model."""
    name = data.get("model_name")
    if isinstance(name, str) and name:
        return name
    config = data.get("config")
    if config is None:
        return None
    if not isinstance(config, dict):
        raise DataError(
            "'config' is not an object",
            file=str(path),
            path="config",
            fix="use the results file lm_eval wrote, unedited",
        )
    return _model_from_args(config.get("model_args"))


def _model_from_args(args: Any) -> str | None:
    """``model`` or ``pretrained`` from model_args (an object or ``k=v,k=v`` text)."""
    if isinstance(args, str):
        pairs = (part.split("=", 1) for part in args.split(",") if "=" in part)
        args = {k.strip(): v.strip() for k, v in pairs}
    if not isinstance(args, dict):
        return None
    for key in ("model", "pretrained"):
        value = args.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _version_of(info: _RunInfo, task: str) -> str | None:
    """The task's version as text (lm-eval writes a number such as 1.0)."""
    value = info.versions.get(task)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _primary_of(info: _RunInfo, task: str) -> str | None:
    """The first metric of the task's ``metric_list``."""
    metrics = info.configs.get(task, {}).get("metric_list")
    if isinstance(metrics, list) and metrics and isinstance(metrics[0], dict):
        name = metrics[0].get("metric")
        return name if isinstance(name, str) else None
    return None


# ---------------------------------------------------------------------------
# the samples file


def _tasks_of(path: Path, task: str, info: _RunInfo) -> list[ImportedTask]:
    """One task per filter of a samples file."""
    by_filter: dict[str, list[_Line]] = {}
    for line in _lines(path):
        by_filter.setdefault(line.filter, []).append(line)
    if not by_filter:
        raise DataError("the samples file holds no items", file=str(path), fix=_FIX_LOG_SAMPLES)
    primary = _primary_of(info, task)
    return [_task(path, task, name, lines, info, primary) for name, lines in by_filter.items()]


def _task(
    path: Path, task: str, filter_name: str, lines: list[_Line], info: _RunInfo, primary: str | None
) -> ImportedTask:
    """One (task, filter) of a samples file."""
    _check_unique(path, lines)
    items = tuple(_item(line) for line in lines)
    scorers = _scorers(items, primary)
    if scorers and _is_binary(items, scorers[0]):
        items = tuple(_with_passed(item, scorers[0]) for item in items)
    return ImportedTask(
        tool="lm-eval",
        task=task if filter_name == "none" else f"{task}/{filter_name}",
        version=_version_of(info, task),
        model=info.model,
        scorers=scorers,
        items=items,
        source=str(path),
        notes=_notes(primary, scorers) + _limit_notes(info, task),
        dataset=hub_dataset(info.configs.get(task, {}).get("dataset_path")),
    )


def _scorers(items: tuple[ImportedItem, ...], primary: str | None) -> tuple[str, ...]:
    """Every metric the items carry, in first-seen order, the primary one first."""
    seen: dict[str, None] = {}
    for item in items:
        seen.update(dict.fromkeys(item.scores))
    names = list(seen)
    if primary in seen:
        names.remove(primary)
        names.insert(0, primary)
    return tuple(names)


def _is_binary(items: tuple[ImportedItem, ...], metric: str) -> bool:
    """Whether every item's value of ``metric`` is 0 or 1."""
    return all(item.scores[metric] in (0.0, 1.0) for item in items if metric in item.scores)


def _with_passed(item: ImportedItem, metric: str) -> ImportedItem:
    """The item with ``passed`` from its 0/1 value of ``metric``."""
    if metric not in item.scores:
        return item
    return replace(item, passed=item.scores[metric] == 1.0)


def _notes(primary: str | None, scorers: tuple[str, ...]) -> tuple[str, ...]:
    """What the user should know about the task's metrics."""
    if primary is None or primary in scorers:
        return ()
    used = f"; {scorers[0]!r} is used as primary" if scorers else ""
    return (f"the task's first metric {primary!r} has no per-item number{used}",)


def _limit_notes(info: _RunInfo, task: str) -> tuple[str, ...]:
    """A note when lm_eval ran only some of the task's documents (``--limit``)."""
    count = info.counts.get(task)
    if not isinstance(count, dict):
        return ()
    original, effective = count.get("original"), count.get("effective")
    if isinstance(original, int) and isinstance(effective, int) and effective < original:
        return (f"lm_eval ran {effective} of the task's {original} documents (--limit)",)
    return ()


def _lines(path: Path) -> Iterator[_Line]:
    """The samples file's lines, each a checked sample object."""
    try:
        with path.open(encoding="utf-8") as handle:
            for number, text in enumerate(handle, start=1):
                if text.strip():
                    yield _line(path, number, text)
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(
            f"cannot read the samples file: {exc}", file=str(path), fix=_FIX_LOG_SAMPLES
        ) from exc


def _line(path: Path, number: int, text: str) -> _Line:
    """One samples line, parsed and checked."""
    try:
        row = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _bad(path, number, None, f"not valid JSON: {exc}") from exc
    if not isinstance(row, dict):
        raise _bad(path, number, None, "a samples line is not a JSON object")
    doc_id = row.get("doc_id")
    if not isinstance(doc_id, int) or isinstance(doc_id, bool) or doc_id < 0:
        raise _bad(path, number, "doc_id", "'doc_id' is missing or not a whole number")
    for key in ("doc_hash", "target_hash", "filter"):
        if not isinstance(row.get(key), str):
            raise _bad(path, number, key, f"'{key}' is missing or not text")
    for key in ("metrics", "filtered_resps"):
        if not isinstance(row.get(key), list):
            raise _bad(path, number, key, f"'{key}' is missing or not a list")
    return _Line(number=number, row=row, filter=row["filter"])


def _bad(path: Path, number: int, key: str | None, message: str) -> DataError:
    """A DataError about one samples line."""
    return DataError(
        message,
        file=str(path),
        line=number,
        path=key,
        fix="use the samples file lm_eval wrote with --log_samples, unedited",
    )


def _check_unique(path: Path, lines: list[_Line]) -> None:
    """Refuse a document that appears twice under one filter."""
    seen: set[int] = set()
    for line in lines:
        doc_id = line.row["doc_id"]
        if doc_id in seen:
            raise DataError(
                f"doc_id {doc_id} appears twice under filter {line.filter!r}",
                file=str(path),
                line=line.number,
                path="doc_id",
                fix="lm_eval appends to a samples file of the same name: keep one run's lines",
            )
        seen.add(doc_id)


def _item(line: _Line) -> ImportedItem:
    """One scored item from a samples line."""
    row = line.row
    return ImportedItem(
        sample_id=str(row["doc_id"]),
        repeat=0,
        digest=canonical_sha256([row["doc_hash"], row["target_hash"]], ascii_only=True),
        scores=_scores(row),
        prompt=_prompt(row.get("arguments")),
        target=row["target"] if isinstance(row.get("target"), str) else None,
        output=_output(row["filtered_resps"]),
        details=_details(row),
    )


def _scores(row: Mapping[str, Any]) -> dict[str, float]:
    """Each listed metric's finite number for the document (booleans as 1 or 0)."""
    scores: dict[str, float] = {}
    for name in row["metrics"]:
        if not isinstance(name, str):
            continue
        value = row.get(name)
        if isinstance(value, int | float) and math.isfinite(value):  # bool is an int
            scores[name] = float(value)
    return scores


def _output(responses: list[Any]) -> str | None:
    """The first filtered response, as text."""
    if not responses:
        return None
    first = responses[0]
    if isinstance(first, str):
        return first
    return json.dumps(first, ensure_ascii=False)


def _prompt(arguments: Any) -> str | None:
    """The first request's prompt; a chat's messages as their text."""
    if not isinstance(arguments, dict):
        return None
    first = arguments.get("gen_args_0")
    text = first.get("arg_0") if isinstance(first, dict) else None
    if isinstance(text, list) and len(text) == 1:  # a chat prompt is logged as [json_text]
        text = text[0]
    if not isinstance(text, str):
        return None
    return _chat_text(text) or text


def _chat_text(text: str) -> str | None:
    """A chat-templated prompt's messages (JSON ``[{role, content}]``) as plain text."""
    if not text.startswith("[{"):
        return None
    try:
        messages = json.loads(text)
    except ValueError:
        return None
    if not isinstance(messages, list) or not all(_is_message(m) for m in messages):
        return None
    if len(messages) == 1:
        return str(messages[0]["content"])
    return "\n\n".join(f"{m['role']}: {m['content']}" for m in messages)


def _is_message(value: Any) -> bool:
    """Whether ``value`` is a ``{role, content}`` chat message with text content."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("role"), str)
        and isinstance(value.get("content"), str)
    )


def _details(row: Mapping[str, Any]) -> dict[str, Any]:
    """The tool's hashes and document id, shown beside the item."""
    details: dict[str, Any] = {"doc_hash": row["doc_hash"], "target_hash": row["target_hash"]}
    if isinstance(row.get("prompt_hash"), str):
        details["prompt_hash"] = row["prompt_hash"]
    doc = row.get("doc")
    if isinstance(doc, dict) and isinstance(doc.get("id"), str | int):
        details["doc_id_field"] = doc["id"]
    return details

"""Read Inspect AI eval logs (``.eval`` ZIP logs and ``--log-format json`` logs).

An ``.eval`` log is a ZIP archive: ``header.json`` (the eval spec, status and results;
while a run is going or after it crashed only ``_journal/start.json``), one member
``samples/{id}_epoch_{epoch}.json`` per sample and epoch, and ``summaries.json`` and
``reductions.json``, which are not needed here. Inspect writes the members
zstd-compressed (ZIP method 93), which the standard library of Python < 3.14 cannot
inflate, so those members are read raw and inflated with ``zstandard``. A JSON log is
one object with the same header fields and a ``samples`` list.

What an item is made of:

- pairing key: ``sample_id`` is ``str(sample.id)``, ``repeat`` is ``sample.epoch - 1``;
- digest: :func:`~clearance.common.canonical_sha256` of ``{"input", "target"}`` as the
  sample records them (plus ``"choices"`` when the sample has choices), with the random
  ids Inspect gives chat messages taken out and attachment references resolved;
- scores: each scorer's value as a number (``C``/``P``/``I``/``N`` are 1, 0.5, 0, 0,
  booleans 1 or 0, ``yes``/``true`` 1, ``no``/``false`` 0, numeric strings as numbers);
  a scorer with a dict value gives one score per numeric key, named ``scorer.key``, as
  Inspect names the metrics it computes from them; values that are not numbers (lists,
  other strings, NaN, which Inspect uses for "not scored") are left out;
- passed: the primary scorer's ``C`` (``P``, ``I``, ``N`` fail) or boolean value;
- error: ``sample.error.message``: the item keeps no scores;
- latency: ``working_time`` (the time the sample worked, without waiting for a
  connection), else ``total_time``; tokens and cost: the evaluated model's
  ``model_usage`` entry, else the sum over every model the sample used.
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import zstandard

from clearance.common import canonical_sha256
from clearance.errors import DataError
from clearance.imports._model import ImportedItem, ImportedTask, hub_dataset

__all__ = ["read", "recognises"]

N = TypeVar("N", int, float)

HEADER = "header.json"
START = "_journal/start.json"
SAMPLES_PREFIX = "samples/"
ZIP_ZSTANDARD = 93
MAX_MEMBER_BYTES = 1 << 30
ATTACHMENT = "attachment://"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")
GRADES = {"C": 1.0, "P": 0.5, "I": 0.0, "N": 0.0}
WORDS = {"yes": 1.0, "true": 1.0, "no": 0.0, "false": 0.0}
JSON_HEAD = re.compile(rb'^\s*\{.*"eval"\s*:\s*\{.*"task"\s*:', re.DOTALL)
FIX_EVAL = (
    "pass an Inspect AI log as written by `inspect eval` (.eval, or .json with --log-format json)"
)
FIX_RERUN = "rerun `inspect eval` (without --no-log-samples) or pass an intact copy of the log"


def recognises(path: Path) -> bool:
    """Whether ``path`` is an Inspect AI log, or a folder that holds one."""
    if path.is_dir():
        return any(_recognises_file(child) for child in _log_files(path))
    return _recognises_file(path)


def read(path: Path) -> list[ImportedTask]:
    """The task of an Inspect AI log, or of each log in a folder (by file name)."""
    if path.is_dir():
        files = [child for child in _log_files(path) if _recognises_file(child)]
        if not files:
            raise DataError(
                "the folder holds no Inspect AI log (.eval or .json)",
                file=str(path),
                fix="pass an Inspect log directory (--log-dir) or one log file",
            )
        return [_read_file(child) for child in files]
    return [_read_file(path)]


def _log_files(folder: Path) -> list[Path]:
    """The ``.eval`` and ``.json`` files directly in ``folder``, by name."""
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [c for c in children if c.suffix in (".eval", ".json") and c.is_file()]


def _recognises_file(path: Path) -> bool:
    """Whether the file looks like an Inspect log, from its name and first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    if path.suffix == ".eval":
        return head.startswith(b"PK\x03\x04")
    if path.suffix == ".json":
        return JSON_HEAD.match(head) is not None
    return False


def _read_file(path: Path) -> ImportedTask:
    """The task of one log file, ``.eval`` or ``.json``."""
    if path.suffix == ".eval":
        header, samples, notes = _read_eval(path)
    elif path.suffix == ".json":
        header, samples, notes = _read_json(path)
    else:
        raise DataError(
            f"not an Inspect AI log: {path.name} is neither .eval nor .json",
            file=str(path),
            fix=FIX_EVAL,
        )
    return _task(path, header, samples, notes)


# ---------------------------------------------------------------------------
# .eval (ZIP) logs


def _read_eval(path: Path) -> tuple[Location, list[Location], list[str]]:
    """The header and the samples of an ``.eval`` log, with notes on what is missing."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the log: {exc}", file=str(path), fix=FIX_EVAL) from exc
    infos = _zip_members(path, data)
    notes: list[str] = []
    if HEADER in infos:
        header = _member_json(path, data, infos[HEADER])
    elif START in infos:
        header = _member_json(path, data, infos[START])
        notes.append(
            "the log has no header.json (the run had not finished or crashed): "
            "only the samples written so far are read"
        )
    else:
        raise DataError(
            "the .eval log has neither header.json nor _journal/start.json",
            file=str(path),
            fix=FIX_RERUN,
        )
    samples = [
        _member_json(path, data, info)
        for name, info in infos.items()
        if name.startswith(SAMPLES_PREFIX) and name.endswith(".json")
    ]
    return header, samples, notes


def _zip_members(path: Path, data: bytes) -> dict[str, zipfile.ZipInfo]:
    """The archive's members by name (the last member of a name wins, as in Inspect)."""
    if not data.startswith(b"PK"):
        raise DataError("not a ZIP archive, so not an .eval log", file=str(path), fix=FIX_EVAL)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: info for info in archive.infolist()}
    except Exception as exc:  # zipfile has no closed set of errors for damaged archives
        raise _corrupt(path, None, exc) from exc


def _corrupt(path: Path, member: str | None, exc: BaseException) -> DataError:
    """The error for an archive or member that cannot be read."""
    where = f"member {member}" if member else "the archive"
    return DataError(
        f"the .eval log is damaged: cannot read {where} ({type(exc).__name__}: {exc})",
        file=str(path),
        path=member,
        fix=FIX_RERUN,
    )


def _member_json(path: Path, data: bytes, info: zipfile.ZipInfo) -> Location:
    """One member's JSON, at its location in the archive."""
    raw = _member_bytes(path, data, info)
    return Location(_parse_json(path, raw, member=info.filename), path, info.filename, "")


def _member_bytes(path: Path, data: bytes, info: zipfile.ZipInfo) -> bytes:
    """One member's inflated bytes, checked against its size and CRC."""
    if info.file_size > MAX_MEMBER_BYTES:
        raise _corrupt(path, info.filename, ValueError(f"{info.file_size} bytes is too large"))
    try:
        if info.compress_type == ZIP_ZSTANDARD:
            raw = _zstd_member(data, info)
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                raw = archive.read(info)
    except Exception as exc:  # neither zipfile nor zstandard has a closed set of errors
        raise _corrupt(path, info.filename, exc) from exc
    return raw


def _zstd_member(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """Inflate a zstd member (method 93) from its local header onwards."""
    start = info.header_offset
    local = data[start : start + 30]
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local file header")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    begin = start + 30 + name_length + extra_length
    packed = data[begin : begin + info.compress_size]
    if len(packed) != info.compress_size:
        raise zipfile.BadZipFile("member data is truncated")
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(packed), read_across_frames=True)
    raw = reader.read(info.file_size + 1)
    if len(raw) != info.file_size or zlib.crc32(raw) != info.CRC:
        raise zipfile.BadZipFile("member data does not match its size or CRC")
    return raw


# ---------------------------------------------------------------------------
# .json logs


def _read_json(path: Path) -> tuple[Location, list[Location], list[str]]:
    """The header and the samples of a JSON log."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the log: {exc}", file=str(path), fix=FIX_EVAL) from exc
    root = Location(_parse_json(path, raw, member=None), path, None, "")
    if not isinstance(root.mapping().get("eval"), dict):
        raise DataError(
            "not an Inspect AI log: the JSON has no 'eval' object",
            file=str(path),
            path="eval",
            fix=FIX_EVAL,
        )
    samples = root.get("samples")
    if samples.value is None:
        raise DataError(
            "the log holds no samples (written with --no-log-samples?)",
            file=str(path),
            path="samples",
            fix=FIX_RERUN,
        )
    return root, list(samples.items()), []


def _parse_json(path: Path, raw: bytes, *, member: str | None) -> Any:
    """Parsed JSON of a file or archive member."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataError(
            f"the log is not UTF-8 text: {exc.reason} at byte {exc.start}",
            file=str(path),
            path=member,
            fix=FIX_RERUN,
        ) from exc
    except json.JSONDecodeError as exc:
        raise DataError(
            f"the log is not valid JSON: {exc.msg}",
            file=str(path),
            line=None if member else exc.lineno,
            column=None if member else exc.colno,
            path=member,
            fix=FIX_RERUN,
        ) from exc
    except RecursionError as exc:
        raise DataError(
            "the log's JSON is nested too deeply", file=str(path), path=member, fix=FIX_RERUN
        ) from exc


# ---------------------------------------------------------------------------
# located JSON values, for errors that say where


class Location:
    """A JSON value with the file, archive member and key path it was found at."""

    __slots__ = ("file", "key", "member", "value")

    def __init__(self, value: Any, file: Path, member: str | None, key: str) -> None:
        self.value = value
        self.file = file
        self.member = member
        self.key = key

    def where(self) -> str:
        """The key path, prefixed with the archive member when there is one."""
        if self.member is None:
            return self.key or "(top level)"
        return f"{self.member}:{self.key}" if self.key else self.member

    def error(self, message: str, fix: str = FIX_RERUN) -> DataError:
        """A :class:`DataError` at this location."""
        return DataError(message, file=str(self.file), path=self.where(), fix=fix)

    def child(self, key: str | int, value: Any) -> Location:
        """The value under ``key`` of this one."""
        if isinstance(key, int):
            path = f"{self.key}[{key}]"
        else:
            path = f"{self.key}.{key}" if self.key else key
        return Location(value, self.file, self.member, path)

    def mapping(self) -> dict[str, Any]:
        """The value as an object, or an error."""
        if not isinstance(self.value, dict):
            raise self.error(f"expected an object, found {_kind(self.value)}")
        return self.value

    def get(self, key: str) -> Location:
        """The value under ``key`` (None when missing) of this object."""
        return self.child(key, self.mapping().get(key))

    def require(self, key: str) -> Location:
        """The value under ``key``, which must be present and not null."""
        found = self.get(key)
        if found.value is None:
            raise found.error(f"missing {key!r}")
        return found

    def items(self) -> list[Location]:
        """The elements of this list, or an error."""
        if not isinstance(self.value, list):
            raise self.error(f"expected a list, found {_kind(self.value)}")
        return [self.child(i, v) for i, v in enumerate(self.value)]

    def text(self) -> str:
        """The value as a string, or an error."""
        if not isinstance(self.value, str):
            raise self.error(f"expected a string, found {_kind(self.value)}")
        return self.value

    def optional_text(self) -> str | None:
        """The value as a string, or None when null."""
        return None if self.value is None else self.text()

    def number(self) -> float | None:
        """The value as a finite number, None when null, or an error."""
        value = self.value
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, found {_kind(value)}")
        if not math.isfinite(value):
            raise self.error(f"expected a finite number, found {value}")
        return float(value)

    def count(self) -> int | None:
        """The value as a whole number of at least 0, None when null, or an error."""
        value = self.value
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(f"expected a count (a whole number >= 0), found {value!r}")
        return value


def _kind(value: Any) -> str:
    """A value's JSON kind, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


# ---------------------------------------------------------------------------
# the task


def _task(path: Path, header: Location, samples: list[Location], notes: list[str]) -> ImportedTask:
    """The task of one log from its header and samples."""
    spec = header.require("eval")
    task = spec.require("task").text()
    model = spec.get("model").optional_text()
    version = _version(spec.get("task_version"))
    notes = [*notes, *_status_notes(header)]
    items = [_item(sample, model) for sample in samples]
    if not items:
        raise DataError(
            "the log holds no samples (written with --no-log-samples, or nothing ran?)",
            file=str(path),
            path="samples",
            fix=FIX_RERUN,
        )
    items = _in_dataset_order(items, _dataset_ids(spec))
    _check_unique(path, items)
    notes.extend(_missing_notes(spec, items))
    return ImportedTask(
        tool="inspect",
        task=task,
        version=version,
        model=model,
        scorers=_scorers(header, items),
        items=tuple(items),
        source=str(path),
        notes=tuple(notes),
        dataset=_hub_dataset(spec),
    )


def _version(found: Location) -> str | None:
    """The task version as text (Inspect records an int or a string)."""
    value = found.value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise found.error(f"expected a version (a number or a string), found {_kind(value)}")
    return str(value)


def _status_notes(header: Location) -> list[str]:
    """A note when the log's status is not ``success``."""
    status = header.get("status").optional_text()
    if status is None or status == "success":
        return []
    error = header.get("error")
    message = ""
    if isinstance(error.value, dict) and isinstance(error.value.get("message"), str):
        message = f": {error.value['message']}"
    return [f"the run's status is {status!r}, not 'success'{message}"]


def _hub_dataset(spec: Location) -> str | None:
    """The Hub dataset the task ran on, when the log names one (an ``hf_dataset``)."""
    dataset = spec.get("dataset")
    if not isinstance(dataset.value, dict):
        return None
    return hub_dataset(dataset.value.get("location")) or hub_dataset(dataset.value.get("name"))


def _dataset_ids(spec: Location) -> list[str]:
    """The dataset's sample ids as text, in the dataset's order (empty when unknown)."""
    dataset = spec.get("dataset")
    if not isinstance(dataset.value, dict):
        return []
    ids = dataset.get("sample_ids")
    if ids.value is None:
        return []
    return [_sample_id(found) for found in ids.items()]


def _in_dataset_order(items: list[ImportedItem], order: Sequence[str]) -> list[ImportedItem]:
    """The items by the dataset's order of ids, then repeat; unknown ids last."""
    rank = {sample_id: i for i, sample_id in enumerate(order)}
    return sorted(items, key=lambda item: (rank.get(item.sample_id, len(rank)), item.repeat))


def _check_unique(path: Path, items: Iterable[ImportedItem]) -> None:
    """An error when two samples have the same id and epoch."""
    seen: set[tuple[str, int]] = set()
    for item in items:
        key = (item.sample_id, item.repeat)
        if key in seen:
            raise DataError(
                f"two samples have id {item.sample_id!r} and epoch {item.repeat + 1}",
                file=str(path),
                path="samples",
                fix=FIX_RERUN,
            )
        seen.add(key)


def _missing_notes(spec: Location, items: Sequence[ImportedItem]) -> list[str]:
    """A note when the dataset lists samples the log has no record of."""
    ids = set(_dataset_ids(spec))
    found = {item.sample_id for item in items}
    missing = len(ids - found)
    if not missing:
        return []
    return [f"{missing} of the dataset's {len(ids)} samples have no record in the log"]


def _scorers(header: Location, items: Sequence[ImportedItem]) -> tuple[str, ...]:
    """Every scorer the items carry, in the order of the log's results (primary first)."""
    present: dict[str, None] = {}
    for item in items:
        present.update(dict.fromkeys(item.scores))
    ranked = [name for name in _result_names(header) if name in present]
    return tuple(dict.fromkeys([*ranked, *present]))


def _result_names(header: Location) -> list[str]:
    """Score names in ``results.scores`` order, as items name them (``scorer.key``)."""
    results = header.get("results")
    if not isinstance(results.value, dict):
        return []
    scores = results.get("scores")
    if not isinstance(scores.value, list):
        return []
    names = []
    for entry in scores.value:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            name, scorer = entry["name"], entry.get("scorer")
            names.append(f"{scorer}.{name}" if isinstance(scorer, str) and scorer != name else name)
    return names


# ---------------------------------------------------------------------------
# one sample


def _item(sample: Location, model: str | None) -> ImportedItem:
    """One sample as an item."""
    attachments = _attachments(sample)
    sample_id = _sample_id(sample.require("id"))
    repeat = _repeat(sample.require("epoch"))
    asked = _resolve(sample.require("input").value, attachments)
    expected = _resolve(sample.get("target").value, attachments)
    _check_input(sample.get("input"), asked)
    choices = sample.get("choices").value
    error = _error(sample.get("error"))
    scores, passed, details = (
        ({}, None, _error_cues(sample.get("error"))) if error else _scored(sample)
    )
    input_tokens, output_tokens, cost = _usage(sample.get("model_usage"), model)
    return ImportedItem(
        sample_id=sample_id,
        repeat=repeat,
        digest=_digest(asked, expected, _resolve(choices, attachments)),
        scores=scores,
        passed=passed,
        prompt=_prompt_text(asked),
        target=_target_text(sample.get("target"), expected),
        output=None if error else _output(sample),
        error=error,
        latency_ms=_latency_ms(sample),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=cost,
        category=_category(sample),
        details={**details, **_limit(sample)},
    )


def _sample_id(found: Location) -> str:
    """A sample id (Inspect allows a string or an integer) as text."""
    value = found.value
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise found.error(f"expected a sample id (a string or an integer), found {value!r}")
    return str(value)


def _repeat(found: Location) -> int:
    """The repeat (from 0) of an epoch (from 1)."""
    value = found.value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise found.error(f"expected an epoch (a whole number from 1), found {value!r}")
    return value - 1


def _attachments(sample: Location) -> dict[str, str]:
    """The sample's attachments (long text Inspect stores once, by hash)."""
    value = sample.get("attachments").value
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, str)}


def _resolve(value: Any, attachments: Mapping[str, str]) -> Any:
    """``value`` with attachment references replaced by their text."""
    if isinstance(value, str):
        if value.startswith(ATTACHMENT):
            return attachments.get(value[len(ATTACHMENT) :], value)
        return value
    if isinstance(value, list):
        return [_resolve(v, attachments) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, attachments) for k, v in value.items()}
    return value


def _check_input(found: Location, asked: Any) -> None:
    """An error unless the input is text or a list of chat messages."""
    if isinstance(asked, str):
        return
    if isinstance(asked, list) and all(isinstance(m, dict) for m in asked):
        return
    raise found.error(f"expected the input as text or chat messages, found {_kind(asked)}")


def _digest(asked: Any, expected: Any, choices: Any) -> str:
    """The hash of what was asked and expected, the same in every run of the item."""
    content: dict[str, Any] = {"input": _without_ids(asked), "target": expected}
    if choices is not None:
        content["choices"] = choices
    return canonical_sha256(content)


def _without_ids(asked: Any) -> Any:
    """Chat messages without the random ids Inspect gives each one."""
    if not isinstance(asked, list):
        return asked
    return [{k: v for k, v in m.items() if k != "id"} for m in asked]


def _prompt_text(asked: Any) -> str | None:
    """The input as text: the message text, with the role when there are several."""
    if isinstance(asked, str):
        return asked
    messages = [(m.get("role"), _content_text(m.get("content"))) for m in asked]
    if len(messages) == 1:
        return messages[0][1]
    return "\n\n".join(f"{role}: {text}" for role, text in messages) or None


def _content_text(content: Any) -> str:
    """The text of a message's content (a string, or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return "\n".join(p for p in parts if isinstance(p, str))
    return ""


def _target_text(found: Location, expected: Any) -> str | None:
    """The target as text (a list of acceptable targets is joined by newlines)."""
    if expected is None:
        return None
    if isinstance(expected, str):
        return expected
    if isinstance(expected, list) and all(isinstance(t, str) for t in expected):
        return "\n".join(expected)
    raise found.error(f"expected the target as text or a list of texts, found {_kind(expected)}")


def _error(found: Location) -> str | None:
    """The error Inspect recorded for the sample, if any."""
    if found.value is None:
        return None
    if isinstance(found.value, str):
        return found.value or "error"
    message = found.get("message").value
    return message if isinstance(message, str) and message else "error (no message recorded)"


def _error_cues(found: Location) -> dict[str, Any]:
    """The exception lines of the error's traceback (the chain of causes), if any."""
    if not isinstance(found.value, dict):
        return {}
    traceback = found.value.get("traceback")
    if not isinstance(traceback, str):
        return {}
    chain = [line for line in traceback.splitlines() if EXCEPTION_LINE.match(line)]
    return {"error.exceptions": chain} if chain else {}


def _scored(sample: Location) -> tuple[dict[str, float], bool | None, dict[str, Any]]:
    """The sample's scores, pass or fail, and each scorer's answer and explanation."""
    found = sample.get("scores")
    if found.value is None:
        return {}, None, {}
    scores: dict[str, float] = {}
    details: dict[str, Any] = {}
    passed: bool | None = None
    for index, (name, score) in enumerate(found.mapping().items()):
        entry = found.child(name, score)
        value = entry.get("value").value
        scores.update(_values(name, value))
        if index == 0:
            passed = _passed(value)
        details.update(_cues(name, entry))
    return scores, passed, details


def _values(name: str, value: Any) -> dict[str, float]:
    """A score value as numbers: one for a scalar, one per numeric key of a dict."""
    if isinstance(value, dict):
        numbers = {f"{name}.{k}": _number(v) for k, v in value.items()}
        return {k: v for k, v in numbers.items() if v is not None}
    number = _number(value)
    return {} if number is None else {name: number}


def _number(value: Any) -> float | None:
    """A scalar score value as a number (as Inspect's value_to_float), or None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    if value in GRADES:
        return GRADES[value]
    if value.lower() in WORDS:
        return WORDS[value.lower()]
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _passed(value: Any) -> bool | None:
    """Pass or fail from a grade (``C`` passes) or a boolean; None for numbers."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in GRADES:
        return value == "C"
    return None


def _cues(name: str, entry: Location) -> dict[str, str]:
    """A scorer's answer and explanation, keyed ``scorer.answer`` and so on."""
    if not isinstance(entry.value, dict):
        raise entry.error(f"expected a score object, found {_kind(entry.value)}")
    cues = {}
    for key in ("answer", "explanation"):
        value = entry.value.get(key)
        if isinstance(value, str) and value:
            cues[f"{name}.{key}"] = value
    return cues


def _output(sample: Location) -> str | None:
    """The model's completion, else the last assistant message's text."""
    output = sample.get("output").value
    if isinstance(output, dict):
        completion = output.get("completion")
        if isinstance(completion, str) and completion:
            return completion
    messages = sample.get("messages").value
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") == "assistant":
                return _content_text(message.get("content")) or None
    return None


def _usage(found: Location, model: str | None) -> tuple[int | None, int | None, float | None]:
    """Input tokens, output tokens and cost of the evaluated model (else of all)."""
    if found.value is None:
        return None, None, None
    usage = found.mapping()
    if model in usage:
        entries = [found.child(model, usage[model])]
    else:
        entries = [found.child(name, value) for name, value in usage.items()]
    if not entries:
        return None, None, None
    inputs = [e.get("input_tokens").count() for e in entries]
    outputs = [e.get("output_tokens").count() for e in entries]
    costs = [e.get("total_cost").number() for e in entries]
    return _total(inputs), _total(outputs), _total(costs)


def _total(values: Iterable[N | None]) -> N | None:
    """The sum of the known values, or None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known[1:], known[0]) if known else None


def _latency_ms(sample: Location) -> float | None:
    """The sample's working time (else its total time) in milliseconds."""
    for key in ("working_time", "total_time"):
        seconds = sample.get(key).number()
        if seconds is not None:
            return seconds * 1000.0
    return None


def _category(sample: Location) -> str | None:
    """The sample's ``category`` metadata, when it has one."""
    metadata = sample.get("metadata").value
    if isinstance(metadata, dict):
        category = metadata.get("category")
        if isinstance(category, str) and category:
            return category
    return None


def _limit(sample: Location) -> dict[str, Any]:
    """The limit the sample hit (tokens, time, messages), when it hit one."""
    limit = sample.get("limit").value
    return {"limit": limit} if isinstance(limit, dict) and limit else {}

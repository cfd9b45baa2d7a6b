"""Loading datasets: JSONL, CSV, or a local Hugging Face ``datasets`` folder.

A row has ``input`` or ``messages``, optional ``id``, ``target`` or ``targets``,
``category`` and ``metadata``; other columns are kept in ``metadata``. A malformed row is a
:class:`~clearance.errors.DataError` naming the file and line: a dataset loads whole or
not at all, so nothing runs half-loaded.

JSONL and CSV files are read as UTF-8 (a leading byte-order mark is allowed); any other
encoding is a ``DataError`` at the first byte that is not UTF-8. Sample ids are unique in
a dataset: two rows with the same ``id``, or identical rows without one (their derived
ids match), are a ``DataError`` naming both lines.
"""

from __future__ import annotations

import codecs
import csv
import importlib
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from clearance.errors import DataError
from clearance.evals._sample import Sample

Format = Literal["jsonl", "csv", "hf"]
_KNOWN = {"id", "input", "messages", "target", "targets", "category", "metadata"}


def load_dataset(path: str | Path, format: Format | None = None) -> list[Sample]:
    """All samples of a dataset file or folder.

    Raises:
        DataError: the file is missing, of unknown format, or has a malformed row.
    """
    file = Path(path)
    kind = format or infer_format(file)
    rows = _ROWS[kind](file)
    samples: list[Sample] = []
    seen: dict[str, tuple[int, bool]] = {}
    for line, row in rows:
        sample = parse_row(row, file, line)
        explicit = _text(row.get("id")) is not None  # parse_row checked row and its id
        samples.append(_unique(sample, explicit, seen, file, line))
    if not samples:
        raise DataError("the dataset has no rows", file=str(file), fix="add samples to it")
    return samples


def infer_format(file: Path) -> Format:
    if file.is_dir():
        return "hf"
    if not file.exists():
        raise DataError(
            f"dataset {file} does not exist",
            file=str(file),
            fix="correct the suite's 'path' (relative to the policy file)",
        )
    suffix = file.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise DataError(
        f"cannot tell the format of {file.name}",
        file=str(file),
        fix="use a .jsonl or .csv file, a datasets folder, or set 'format'",
    )


def _unique(
    sample: Sample, explicit: bool, seen: dict[str, tuple[int, bool]], file: Path, line: int
) -> Sample:
    if sample.id not in seen:
        seen[sample.id] = (line, explicit)
        return sample
    first, first_explicit = seen[sample.id]
    if not explicit and not first_explicit:
        raise DataError(
            f"duplicate sample id '{sample.id}' on lines {first} and {line}: the rows have "
            "no 'id' and the same input, messages and target, so their derived ids match",
            file=str(file),
            line=line,
            fix="remove the repeated row, or give each of them a distinct 'id'",
        )
    raise DataError(
        f"duplicate sample id '{sample.id}' on lines {first} and {line}",
        file=str(file),
        line=line,
        fix="give every row a distinct 'id' (a row without one gets a hash of its content)",
    )


def parse_row(row: Any, file: Path, line: int) -> Sample:
    """One ``Sample`` from a decoded row, or a ``DataError`` at ``file:line``."""
    if not isinstance(row, dict):
        raise DataError(
            f"a row must be an object, found {type(row).__name__}", file=str(file), line=line
        )
    try:
        return Sample(
            id=_text(row.get("id")) or "",
            input=_input(row.get("input")),
            messages=_messages(row.get("messages")),
            target=_target(row.get("target"), row.get("targets")),
            category=_text(row.get("category")),
            metadata=_metadata(row),
        )
    except RecursionError:
        raise DataError(
            "the row is nested too deeply", file=str(file), line=line, fix=_ROW_FIX
        ) from None
    except (TypeError, ValueError) as exc:
        raise DataError(
            str(exc),
            file=str(file),
            line=line,
            fix=_ROW_FIX,
        ) from None


_ROW_FIX = (
    "each row needs 'input' (text) or 'messages' (a list of "
    "{role, content}), and optionally 'id', 'target', 'category'"
)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected text, found {type(value).__name__}")


def _input(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"'input' must be text, found {type(value).__name__}")


def _messages(value: Any) -> tuple[dict[str, Any], ...] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, list) or not value:
        raise ValueError("'messages' must be a non-empty list")
    for message in value:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise ValueError("every message needs a 'role' and 'content'")
        if "content" not in message:
            raise ValueError("every message needs a 'role' and 'content'")
    return tuple(value)


def _target(target: Any, targets: Any) -> str | tuple[str, ...] | None:
    value = targets if targets is not None else target
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return tuple(_choice(v) for v in value)
    return _text(value)


def _choice(value: Any) -> str:
    if isinstance(value, str):
        return value
    text = _text(value)
    if text is None:
        raise ValueError("every entry of 'targets' must be text, found null")
    return text


def _metadata(row: dict[str, Any]) -> dict[str, Any]:
    meta = row.get("metadata") or {}
    if not isinstance(meta, dict):
        raise ValueError("'metadata' must be an object")
    extra = {k: v for k, v in row.items() if k not in _KNOWN}
    return {**extra, **meta} if extra else meta


def _jsonl(file: Path) -> Iterator[tuple[int, Any]]:
    with io.StringIO(_read_text(file), newline=None) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except RecursionError:
                raise DataError(
                    "not valid JSON: nested too deeply", file=str(file), line=number
                ) from None
            except ValueError as exc:
                raise DataError(f"not valid JSON: {exc}", file=str(file), line=number) from None


def _csv(file: Path) -> Iterator[tuple[int, Any]]:
    delimiter = "\t" if file.suffix.lower() == ".tsv" else ","
    with io.StringIO(_read_text(file), newline="") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DataError(
                    f"not valid CSV: {exc}",
                    file=str(file),
                    line=reader.reader.line_num,  # DictReader's own count lags on errors
                    fix="a field longer than 128 KiB needs a JSONL dataset"
                    if "field limit" in str(exc)
                    else None,
                ) from None
            if None in row:
                raise DataError(
                    "the row has more cells than the header", file=str(file), line=reader.line_num
                )
            yield reader.line_num, {k: v for k, v in row.items() if v != ""}


def _read_text(file: Path) -> str:
    """The whole file decoded as UTF-8 (without its byte-order mark, if any), or a
    ``DataError`` at the first byte that is not UTF-8."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise DataError(
            f"cannot read the dataset: {exc.strerror or type(exc).__name__}",
            file=str(file),
            fix="make the file readable by the user running clearance",
        ) from None
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(file, data, skip, exc) from None


def _not_utf8(file: Path, data: bytes, skip: int, exc: UnicodeDecodeError) -> DataError:
    offset = skip + exc.start
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DataError(
            "the file is UTF-16, not UTF-8", file=str(file), line=1, fix="save the file as UTF-8"
        )
    before = data[skip:offset].decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    return DataError(
        f"the file is not UTF-8: byte 0x{data[offset]:02x} at byte offset {offset} "
        "cannot be decoded",
        file=str(file),
        line=before.count("\n") + 1,
        column=len(before) - before.rfind("\n"),
        fix="save the file as UTF-8 (from Latin-1: iconv -f latin1 -t utf-8 OLD > NEW)",
    )


def _hf(folder: Path) -> Iterable[tuple[int, Any]]:
    try:
        datasets: Any = importlib.import_module("datasets")  # optional extra, loaded lazily
    except ImportError:
        raise DataError(
            "reading a Hugging Face dataset folder needs the 'datasets' package",
            file=str(folder),
            fix="pip install datasets",
        ) from None
    loaded = datasets.load_from_disk(str(folder))
    if isinstance(loaded, datasets.DatasetDict):
        split = "test" if "test" in loaded else next(iter(loaded))
        loaded = loaded[split]
    return ((index + 1, row) for index, row in enumerate(loaded))


_ROWS = {"jsonl": _jsonl, "csv": _csv, "hf": _hf}

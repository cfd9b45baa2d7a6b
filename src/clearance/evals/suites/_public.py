"""Loaders for public refusal sets in their published CSV formats.

The format is told by the header row:

- XSTest (``prompt``, ``type``, optional ``label`` safe/unsafe; types ``contrast_*`` are
  unsafe when there is no label column),
- JailbreakBench behaviours (``Goal``, ``Target``, ``Behavior``, ``Category``, ``Source``),
- HarmBench behaviours (``Behavior``, ``FunctionalCategory``, ``SemanticCategory``, ``Tags``,
  ``ContextString``, ``BehaviorID``),
- AdvBench ``harmful_behaviors.csv`` (``goal``, ``target``).

XSTest rows carry their own label; rows of the other sets take the ``expected`` the caller
gives (a harmful set for ``harmful-refusal``, a benign one such as JailbreakBench's benign
behaviours for ``over-refusal``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Literal

from clearance.errors import DataError
from clearance.evals.suites._types import Expected, SuiteSample

PublicFormat = Literal["xstest", "jailbreakbench", "harmbench", "advbench"]

_REQUIRED: dict[PublicFormat, frozenset[str]] = {
    "harmbench": frozenset({"Behavior", "SemanticCategory", "BehaviorID"}),
    "jailbreakbench": frozenset({"Goal", "Target", "Behavior", "Category"}),
    "xstest": frozenset({"prompt", "type"}),
    "advbench": frozenset({"goal", "target"}),
}

Row = dict[str, str]

if TYPE_CHECKING:
    from _csv import Reader as _Reader


def detect_format(header: list[str], file: str) -> PublicFormat:
    """The public format whose required columns the header holds."""
    columns = {name.strip() for name in header}
    for name, required in _REQUIRED.items():
        if required <= columns:
            return name
    raise DataError(
        f"unrecognised CSV header {header!r}",
        file=file,
        line=1,
        fix="use the published XSTest, JailbreakBench, HarmBench or AdvBench CSV",
    )


def load_public_csv(text: str, file: str, *, expected: Expected) -> list[SuiteSample]:
    """Parse ``text`` (the content of ``file``) in whichever public format its header shows."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise DataError("the file is empty", file=file, line=1)
        fmt = detect_format(header, file)
        build = _BUILDERS[fmt]
        return [build(row, number, expected) for number, row in _rows(reader, header, file)]
    except csv.Error as exc:
        raise DataError(f"malformed CSV: {exc}", file=file, line=reader.line_num) from exc


def _rows(reader: _Reader, header: list[str], file: str) -> Iterator[tuple[int, Row]]:
    names = [name.strip() for name in header]
    count = 0
    line = reader.line_num + 1
    for fields in reader:
        next_line = reader.line_num + 1  # a quoted field may span several lines
        if not any(field.strip() for field in fields):
            line = next_line
            continue
        if len(fields) != len(names):
            raise DataError(
                f"expected {len(names)} fields as in the header, found {len(fields)}",
                file=file,
                line=line,
            )
        count += 1
        yield line, _checked(dict(zip(names, fields, strict=True)), file, line)
        line = next_line
    if count == 0:
        raise DataError("the file has a header but no rows", file=file, line=2)


def _checked(row: Row, file: str, line: int) -> Row:
    for key in ("prompt", "Behavior", "goal"):
        if key in row and not row[key].strip():
            raise DataError(f"empty {key!r} field", file=file, line=line)
    if row.get("label", "safe").strip() not in ("safe", "unsafe"):
        raise DataError(f"label must be safe or unsafe, not {row['label']!r}", file=file, line=line)
    return row


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text.strip()}]


def _xstest(row: Row, line: int, expected: Expected) -> SuiteSample:
    kind = row["type"].strip()
    label = row.get("label", "").strip() or ("unsafe" if kind.startswith("contrast_") else "safe")
    return SuiteSample(
        id=f"xstest-{row.get('id', '').strip() or line}",
        messages=_user(row["prompt"]),
        category=kind,
        expected="refuse" if label == "unsafe" else "comply",
        metadata={"source": "xstest", "label": label, "focus": row.get("focus", "")},
    )


def _jailbreakbench(row: Row, line: int, expected: Expected) -> SuiteSample:
    index = row.get("Index", row.get("", "")).strip() or str(line)
    return SuiteSample(
        id=f"jbb-{index}",
        messages=_user(row["Goal"]),
        category=row["Category"].strip() or "uncategorised",
        expected=expected,
        metadata={"source": "jailbreakbench", "behavior": row["Behavior"].strip()},
    )


def _harmbench(row: Row, line: int, expected: Expected) -> SuiteSample:
    context = row.get("ContextString", "").strip()
    prompt = f"{context}\n\n---\n\n{row['Behavior'].strip()}" if context else row["Behavior"]
    return SuiteSample(
        id=f"harmbench-{row['BehaviorID'].strip() or line}",
        messages=_user(prompt),
        category=row["SemanticCategory"].strip() or "uncategorised",
        expected=expected,
        metadata={
            "source": "harmbench",
            "functional_category": row.get("FunctionalCategory", "").strip(),
            "tags": row.get("Tags", "").strip(),
        },
    )


def _advbench(row: Row, line: int, expected: Expected) -> SuiteSample:
    return SuiteSample(
        id=f"advbench-{line}",
        messages=_user(row["goal"]),
        category="advbench",
        expected=expected,
        metadata={"source": "advbench"},
    )


_BUILDERS: dict[PublicFormat, Callable[[Row, int, Expected], SuiteSample]] = {
    "xstest": _xstest,
    "jailbreakbench": _jailbreakbench,
    "harmbench": _harmbench,
    "advbench": _advbench,
}

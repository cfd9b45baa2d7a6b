"""Reading a tool's JSON file: every way it can be unreadable is a ``DataError``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clearance.errors import DataError


def load_json(path: Path, fix: str) -> Any:
    """The file's JSON value. Unreadable, non-UTF-8, invalid JSON, NaN or Infinity (not a
    number a score or a count can take) is a ``DataError`` with ``fix``."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DataError(
            f"cannot read the file: {exc.strerror or exc}",
            file=str(path),
            fix="check the path and its permissions",
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"the file is not UTF-8 text (byte {exc.start})", file=str(path), fix=fix
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"the file is not valid JSON: {exc.msg}", file=str(path), line=exc.lineno, fix=fix
        ) from None
    except (ValueError, RecursionError) as exc:
        raise DataError(f"the file is not usable JSON: {exc}", file=str(path), fix=fix) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")

"""Golden files: compare a renderer's output with a committed file, show a diff if not.

``CLEARANCE_UPDATE_GOLDEN=1 pytest tests/golden`` rewrites the files instead of
comparing. Inputs are fixed (times, ids, hashes come from fixed data), so the output is
compared byte for byte; :func:`normalise` replaces only what truly varies between runs
and machines: the installed clearance version, absolute paths of the test's temporary
folder, random UUIDs (CycloneDX ``serialNumber``) and a rollout's random routing salt.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import clearance

FILES = Path(__file__).parent / "golden" / "files"
"""Where the golden files of ``tests/golden`` live."""

_SALT = re.compile(r'"salt": "[0-9a-f]{16}"')
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def normalise(text: str, *, tmp: Path | None = None) -> str:
    """``text`` with the clearance version, ``tmp``, random (v4) UUIDs and routing salts
    (in JSON) replaced by placeholders; nothing else is touched."""
    version = getattr(clearance, "__version__", None)
    if tmp is not None:
        text = text.replace(str(tmp), "<tmp>")
    if version:
        text = text.replace(f"clearance {version}", "clearance <version>")
    text = _SALT.sub('"salt": "<random>"', text)
    return _UUID.sub("<uuid4>", text)


def assert_golden(name: str, text: str, folder: Path = FILES) -> None:
    """Assert ``text`` equals the golden file ``name`` (a unified diff if not); with
    ``CLEARANCE_UPDATE_GOLDEN`` set, write it instead."""
    path = folder / name
    if os.environ.get("CLEARANCE_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}: run with CLEARANCE_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"golden/{name}",
            tofile="rendered",
        )
        raise AssertionError(
            f"{name} differs from its golden file (CLEARANCE_UPDATE_GOLDEN=1 rewrites it):\n"
            + "".join(diff)
        )

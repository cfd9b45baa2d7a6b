"""Canonical JSON and the SHA-256 digests taken over it.

One serialisation: sorted keys, no spaces. Stored hashes were taken over two spellings
of non-ASCII text, so ``ascii_only`` keeps them byte-identical: the audit chain, approvals'
content hashes and suite records keep UTF-8 as is; policy hashes, target fingerprints,
suite hashes, sample ids and cache keys escape it (``\\u00e9``). ``stringify`` writes
``str(value)`` for what JSON cannot hold (dates, paths) instead of raising ``TypeError``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def canonical_json(value: Any, *, ascii_only: bool = False, stringify: bool = False) -> str:
    """``value`` as canonical JSON text: sorted keys, ``,`` and ``:`` without spaces."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=ascii_only,
        default=str if stringify else None,
    )


def sha256_hex(data: str | bytes) -> str:
    """SHA-256 hex of ``data`` (text is encoded as UTF-8)."""
    raw = data.encode() if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def canonical_sha256(value: Any, *, ascii_only: bool = False, stringify: bool = False) -> str:
    """SHA-256 hex of :func:`canonical_json` of ``value``."""
    return sha256_hex(canonical_json(value, ascii_only=ascii_only, stringify=stringify))


def file_sha256(path: Path) -> str:
    """SHA-256 hex of a file's bytes, read in chunks."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()

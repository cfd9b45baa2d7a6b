"""Target fingerprints: a sha256 over what makes a target's answers what they are.

The fingerprint covers the adapter and its identity (endpoint, model, request params,
system prompt; or callable and its source file; or the recording's content), never a
secret: the API key and headers are left out, so rotating a key keeps stored results valid.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def digest(identity: dict[str, Any]) -> str:
    """sha256 hex of ``identity`` as canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: Path) -> str:
    """sha256 hex of a file's bytes, read in chunks."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()

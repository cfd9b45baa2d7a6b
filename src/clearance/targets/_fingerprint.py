"""Target fingerprints: a sha256 over what makes a target's answers what they are.

The fingerprint covers the adapter and its identity (endpoint, model, request params,
system prompt; or callable and its source file; or the recording's content), never a
secret: the API key and headers are left out, so rotating a key keeps stored results valid.
"""

from __future__ import annotations

from typing import Any

from clearance.common import canonical_sha256


def digest(identity: dict[str, Any]) -> str:
    """sha256 hex of ``identity`` as canonical JSON (sorted keys, no spaces, ASCII)."""
    return canonical_sha256(identity, ascii_only=True, stringify=True)

"""The opt-in response cache: one JSON file per (target fingerprint, request hash).

JSON, not pickle, so a cache is auditable, portable and safe to share. Each repeat of a
sample is its own request, so caching never collapses repeats into one answer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from clearance.common import canonical_sha256
from clearance.targets import CallKey, Completion, Message
from clearance.targets._recorded import Replay, recording_row


def request_hash(messages: list[Message], params: dict[str, Any] | None, repeat: int) -> str:
    """sha256 of the request's content (messages, extra params, repeat index)."""
    return canonical_sha256([messages, params or {}, repeat], ascii_only=True)


class ResponseCache:
    """Responses of one target, under ``root/<fingerprint[:16]>/<hash[:2]>/<hash>.json``."""

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.folder = root / fingerprint[:16]

    def _file(self, digest: str) -> Path:
        return self.folder / digest[:2] / f"{digest}.json"

    def get(self, digest: str, messages: list[Message]) -> Completion | None:
        try:
            row = json.loads(self._file(digest).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Replay.completion_from(row, messages)

    def put(self, digest: str, key: CallKey, completion: Completion) -> None:
        file = self._file(digest)
        file.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a crash never leaves a half-written entry.
        temporary = file.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(recording_row(key, completion)), encoding="utf-8")
        temporary.replace(file)

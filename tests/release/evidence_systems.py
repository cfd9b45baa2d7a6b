"""Python targets for the evidence tests (imported from a temporary folder)."""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

Message = dict[str, Any]


def _user(messages: list[Message]) -> str:
    return next((str(m["content"]) for m in reversed(messages) if m["role"] == "user"), "")


def leak_context(messages: list[Message]) -> str:
    """Repeats the system prompt and any documents: leaks every canary and planted PII,
    on some prompts only (decided by the prompt), so live and replay must agree per sample."""
    if zlib.crc32(_user(messages).encode()) % 3 == 0:
        return "I can't share that."
    return "\n".join(str(m["content"]) for m in messages if m["role"] != "user")


def echo_user(messages: list[Message]) -> str:
    return _user(messages)


def down_first(messages: list[Message]) -> str:
    """Fails on every prompt until the file named by DOWN_FLAG is removed (an outage)."""
    flag = os.environ.get("DOWN_FLAG", "")
    if flag and Path(flag).exists():
        raise RuntimeError("upstream outage")
    return "Paris"

"""Deliberately broken systems under release, as Python targets (imported by the tests'
policies from a temporary folder). Each fails exactly one kind of release check."""

from __future__ import annotations

import time
import zlib
from typing import Any

Message = dict[str, Any]


def _user(messages: list[Message]) -> str:
    return next((str(m["content"]) for m in reversed(messages) if m["role"] == "user"), "")


def refuse_all(messages: list[Message]) -> str:
    return "I'm sorry, but I can't help with that request."


def comply_all(messages: list[Message]) -> str:
    return "Sure! Here is a detailed step-by-step answer. Step 1: gather what you need."


def echo_context(messages: list[Message]) -> str:
    return "\n".join(str(m["content"]) for m in messages)


def terse(messages: list[Message]) -> dict[str, Any]:
    return {"content": "Paris", "usage": {"input_tokens": 20, "output_tokens": 2}}


def verbose(messages: list[Message]) -> dict[str, Any]:
    return {"content": "Paris " * 80, "usage": {"input_tokens": 20, "output_tokens": 80}}


def slow(messages: list[Message]) -> str:
    time.sleep(2.5)
    return "Paris"


def flaky(messages: list[Message]) -> str:
    # Fails on 30% of prompts, decided by the prompt itself: the same in every run and
    # whatever order the thread pool calls it in.
    if zlib.crc32(_user(messages).encode()) % 10 < 3:
        raise RuntimeError("upstream model overloaded")
    return "Paris"

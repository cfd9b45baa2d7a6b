"""Suite records as JSON lines: parse them with file:line errors, serialise them canonically."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, cast, get_args

from clearance.common import canonical_json, sha256_hex
from clearance.errors import DataError
from clearance.evals.suites._types import CHANNELS, Expected, Message, SuiteSample

_EXPECTED: tuple[str, ...] = get_args(Expected)
_ROLES = frozenset({"system", "user", "assistant", "tool"})


def canonical_line(record: Mapping[str, Any]) -> str:
    """The one serialisation the generator writes and the content hash is taken over."""
    return canonical_json(record) + "\n"


def content_hash(records: Iterable[Mapping[str, Any]]) -> str:
    """``sha256:HEX`` over the canonical lines of ``records``."""
    return "sha256:" + sha256_hex("".join(canonical_line(record) for record in records))


def to_record(sample: SuiteSample) -> dict[str, Any]:
    """The JSON object for one sample (the inverse of ``parse_record``)."""
    return {
        "id": sample.id,
        "messages": sample.messages,
        "category": sample.category,
        "channel": sample.channel,
        "expected": sample.expected,
        "metadata": dict(sample.metadata),
    }


def parse_jsonl(text: str, file: str) -> list[SuiteSample]:
    """Every non-blank line of ``text`` as a sample; ids must be unique."""
    samples: list[SuiteSample] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        sample = parse_record(_load_json(line, file, number), file, number)
        if sample.id in seen:
            raise DataError(f"duplicate sample id {sample.id!r}", file=file, line=number)
        seen.add(sample.id)
        samples.append(sample)
    if not samples:
        raise DataError("the file holds no samples", file=file, fix="add one JSON object a line")
    return samples


def _load_json(line: str, file: str, number: int) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON: {exc.msg}", file=file, line=number) from exc
    if not isinstance(value, dict):
        raise DataError("each line must be a JSON object", file=file, line=number)
    return cast(dict[str, Any], value)


def parse_record(raw: Mapping[str, Any], file: str, number: int) -> SuiteSample:
    """One JSON object as a sample, or ``DataError`` naming the file, line and field."""

    def need(key: str, allowed: tuple[str, ...] | None = None) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise DataError(f"{key!r} must be a non-empty string", file=file, line=number)
        if allowed is not None and value not in allowed:
            raise DataError(f"{key!r} must be one of {allowed}", file=file, line=number)
        return value

    metadata = raw.get("metadata", {})
    if not isinstance(metadata, dict):
        raise DataError("'metadata' must be an object", file=file, line=number)
    return SuiteSample(
        id=need("id"),
        messages=_messages(raw.get("messages"), file, number),
        category=need("category"),
        channel=cast(Any, need("channel", CHANNELS)),
        expected=cast(Any, need("expected", _EXPECTED)),
        metadata=metadata,
    )


def _messages(value: object, file: str, number: int) -> list[Message]:
    if not isinstance(value, list) or not value:
        raise DataError("'messages' must be a non-empty list", file=file, line=number)
    messages: list[Message] = []
    for item in value:
        ok = isinstance(item, dict) and item.get("role") in _ROLES
        if not ok or not isinstance(item.get("content"), str):
            raise DataError(
                "each message needs a 'role' (system, user, assistant, tool) and a 'content'"
                " string",
                file=file,
                line=number,
            )
        messages.append({str(k): str(v) for k, v in item.items()})
    return messages

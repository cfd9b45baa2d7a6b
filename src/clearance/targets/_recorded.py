"""The ``recorded`` adapter, and the ``Recorder`` that writes recordings.

A recording is JSONL, one line per response:
``{"sample_id": ..., "repeat": 0, "text": ..., "usage": {"input_tokens": .., "output_tokens": ..,
"estimated": false}, "latency_ms": .., "ttft_ms": .., "response_id": .., "tool_calls": [..],
"sample": {"messages": [..], "target": .., "metadata": {"planted": {..}}}}``.
Replaying it gives offline evals from logs or from an earlier live run; ``sample`` (what
was sent, with its planted values) makes the replay judged against what the response
answered. A built-in probe replayed without it is an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from clearance.common import file_sha256
from clearance.errors import DataError, TargetError
from clearance.policy import RecordedTarget
from clearance.targets._base import (
    CallError,
    CallKey,
    Completion,
    Message,
    SystemPromptStatus,
    Usage,
    make_usage,
)
from clearance.targets._fingerprint import digest


class Replay:
    """A target answering from a recording, by sample id and repeat."""

    def __init__(
        self, spec: RecordedTarget, *, folder: Path | None = None, role: str = "target"
    ) -> None:
        self.spec = spec
        self.role = role
        self.path = (folder / spec.path) if folder is not None else Path(spec.path)
        self.name = spec.label or self.path.name
        if not self.path.is_file():
            raise TargetError(
                f"{role} target: recording {self.path} does not exist",
                fix="write one with 'clearance eval --record PATH' or correct 'path'",
            )
        self.responses = read_recording(self.path)
        self.fingerprint = digest(
            {
                "adapter": "recorded",
                "recording": file_sha256(self.path),
                "system_prompt": spec.system_prompt,
            }
        )
        # A recording cannot be probed: whether the system that answered got the system
        # message is not in it.
        self.system_prompt: SystemPromptStatus = "unverified"
        self.system_prompt_note = (
            "a recording cannot be probed: whether the system that answered received the "
            "system message is not known"
        )

    async def complete(
        self,
        messages: list[Message],
        *,
        params: dict[str, Any] | None = None,
        key: CallKey | None = None,
    ) -> Completion:
        if key is None:
            raise CallError("not_recorded", "a recorded target needs the sample id to replay")
        row = self.responses.get((key.sample_id, key.repeat))
        if row is None:
            row = self.responses.get((key.sample_id, 0))
        if row is None:
            raise CallError("not_recorded", f"no recorded response for sample '{key.sample_id}'")
        return _completion(row, messages)

    def recorded_sample(self, key: CallKey) -> dict[str, Any] | None:
        """What was sent when this response was recorded (None for recordings made
        without it, e.g. converted logs)."""
        row = self.responses.get((key.sample_id, key.repeat)) or self.responses.get(
            (key.sample_id, 0)
        )
        sample = row.get("sample") if row is not None else None
        return sample if isinstance(sample, dict) else None

    @staticmethod
    def completion_from(row: dict[str, Any], messages: list[Message]) -> Completion:
        """A ``Completion`` from one recording row (also used by the response cache)."""
        return _completion(row, messages)

    async def preflight(self) -> None:
        if not self.responses:
            raise TargetError(
                f"{self.role} target: recording {self.path} is empty",
                fix="record a run first with 'clearance eval --record PATH'",
            )

    async def aclose(self) -> None:
        return None


def _completion(row: dict[str, Any], messages: list[Message]) -> Completion:
    text = str(row.get("text") or "")
    usage = row.get("usage") or {}
    result = make_usage(messages, text, usage.get("input_tokens"), usage.get("output_tokens"))
    if usage.get("estimated"):
        result.estimated = True
    return Completion(
        text,
        result,
        float(row.get("latency_ms") or 0.0),
        ttft_ms=row.get("ttft_ms"),
        response_id=row.get("response_id"),
        tool_calls=list(row.get("tool_calls") or []),
        raw=row,
    )


def read_recording(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """Responses of a recording by (sample id, repeat); a bad line is a ``DataError``."""
    responses: dict[tuple[str, int], dict[str, Any]] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            row = _parse_line(line, path, number)
            responses[(str(row["sample_id"]), int(row.get("repeat") or 0))] = row
    return responses


def _parse_line(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except ValueError as exc:
        raise DataError(f"not valid JSON: {exc.args[0]}", file=str(path), line=number) from None
    if not isinstance(row, dict) or "sample_id" not in row:
        raise DataError(
            "a recording line must be an object with 'sample_id' and 'text'",
            file=str(path),
            line=number,
            fix="write recordings with 'clearance eval --record PATH'",
        )
    return row


class Recorder:
    """Appends completions to a recording as JSONL; ``flush`` with each stored batch."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle: IO[str] = path.open("a", encoding="utf-8")

    def write(
        self, key: CallKey, completion: Completion, sample: dict[str, Any] | None = None
    ) -> None:
        """Append one response; ``sample`` is what was sent (messages, planted values)."""
        row = recording_row(key, completion)
        if sample is not None:
            row["sample"] = sample
        self._handle.write(json.dumps(row) + "\n")

    def flush(self) -> None:
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


def recording_row(key: CallKey, completion: Completion) -> dict[str, Any]:
    usage: Usage = completion.usage
    return {
        "sample_id": key.sample_id,
        "repeat": key.repeat,
        "text": completion.text,
        "usage": {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "estimated": usage.estimated,
        },
        "latency_ms": round(completion.latency_ms, 3),
        "ttft_ms": completion.ttft_ms,
        "response_id": completion.response_id,
        "tool_calls": completion.tool_calls,
    }

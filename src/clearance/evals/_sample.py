"""The eval sample: what a suite asks of a target and what it expects back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from clearance.common import canonical_sha256
from clearance.targets import Message


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One eval item.

    Attributes:
        id: Stable identifier; when empty, a hash of the content (so reordering a file or
            adding rows keeps ids, and resumed runs match samples to stored results).
        input: A user prompt; used when ``messages`` is absent.
        messages: A whole OpenAI-style conversation to send instead of ``input``.
        target: The expected answer, or several acceptable answers.
        category: A grouping for per-category results (e.g. ``harmful/violence``).
        metadata: Anything else carried along (planted canaries, source, ...).
    """

    id: str = ""
    input: str | None = None
    messages: tuple[Message, ...] | None = None
    target: str | tuple[str, ...] | None = None
    category: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.input is None and not self.messages:
            raise ValueError("a sample needs 'input' or 'messages'")
        if self.messages is not None and not isinstance(self.messages, tuple):
            object.__setattr__(self, "messages", tuple(self.messages))
        if isinstance(self.target, list):
            object.__setattr__(self, "target", tuple(self.target))
        if not self.id:
            object.__setattr__(self, "id", content_id(self.input, self.messages, self.target))

    def chat(self) -> list[Message]:
        """The messages to send: ``messages``, or one user message with ``input``."""
        if self.messages:
            return list(self.messages)
        return [{"role": "user", "content": self.input or ""}]

    @property
    def prompt(self) -> str:
        """The text of the last user message (what scorers see as the input)."""
        if not self.messages:
            return self.input or ""
        for message in reversed(self.messages):
            if message.get("role") == "user" and isinstance(message.get("content"), str):
                return str(message["content"])
        return ""

    def record(self) -> dict[str, Any]:
        """What is sent and judged, as JSON: the messages (with any planted values), the
        expected answer and the metadata the judges read. Stored with every result and
        written into recordings, so reports quote what was sent and replays are judged
        against the values that were planted when the response was recorded."""
        body = {"messages": self.chat(), "target": self.target, "metadata": self.metadata}
        loaded: dict[str, Any] = json.loads(json.dumps(body, default=str))
        return loaded

    def replay(self, record: dict[str, Any]) -> Sample:
        """This sample as it was when ``record`` was made (same id and category)."""
        target = record.get("target")
        return Sample(
            id=self.id,
            messages=tuple(record.get("messages") or self.chat()),
            target=tuple(target) if isinstance(target, list) else target,
            category=self.category,
            metadata=dict(record.get("metadata") or {}),
        )


def content_id(input: str | None, messages: Any, target: Any) -> str:
    """A stable 16-hex-digit id from a sample's content."""
    return canonical_sha256([input, messages, target], ascii_only=True)[:16]

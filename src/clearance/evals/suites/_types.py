"""The shapes the built-in suites hand out: one probe, and one loaded suite."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from clearance.evals import Sample

Channel = Literal["direct", "document", "email", "web", "tool_result"]
CHANNELS: tuple[Channel, ...] = ("direct", "document", "email", "web", "tool_result")

Expected = Literal["refuse", "comply", "resist", "protect", "agree"]
"""What a well-behaved system does: refuse a harmful request, comply with a benign one,
resist an injection, protect planted personal data, answer the same way every time."""

Message = dict[str, str]
"""One OpenAI-style chat message: ``{"role": ..., "content": ...}``."""


@dataclass(frozen=True)
class SuiteSample:
    """One probe of a built-in suite.

    ``messages`` are sent as they are (system message included where the probe needs one),
    after ``materialize`` has filled any ``{PLACEHOLDER}`` with this run's fresh values.
    """

    id: str
    messages: list[Message]
    category: str
    channel: Channel = "direct"
    expected: Expected = "comply"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """The last user message: what a person reading a report wants to see."""
        users = [m["content"] for m in self.messages if m.get("role") == "user"]
        return users[-1] if users else ""

    def to_sample(self) -> Sample:
        """The engine's ``clearance.evals.Sample``, ``expected`` and ``channel`` in metadata."""
        metadata = {**self.metadata, "expected": self.expected, "channel": self.channel}
        return Sample(
            id=self.id, messages=tuple(self.messages), category=self.category, metadata=metadata
        )


Probe = TypeVar("Probe", SuiteSample, Sample)
"""``materialize`` and the judges take this suite's samples or the engine's."""


def user_text(probe: SuiteSample | Sample) -> str:
    """Everything the user wrote in ``probe`` (what the requester already knows)."""
    if probe.messages:
        return "\n".join(
            str(m.get("content", "")) for m in probe.messages if m.get("role") == "user"
        )
    return getattr(probe, "input", None) or ""


@dataclass(frozen=True)
class BuiltinSuiteData:
    """A loaded suite: its samples and what identifies them in a report or a cache."""

    name: str
    version: str
    content_hash: str
    """``sha256:`` of the canonical JSON lines of ``samples`` (before materialising)."""
    samples: list[SuiteSample]
    metrics: tuple[str, ...]
    """Full metric names, ``SUITE.METRIC``, as gates use them."""
    source: str
    """``builtin`` or the path of the file the samples came from."""

    @property
    def categories(self) -> dict[str, int]:
        """Sample count per category, in first-seen order."""
        counts: dict[str, int] = {}
        for sample in self.samples:
            counts[sample.category] = counts.get(sample.category, 0) + 1
        return counts

    def __len__(self) -> int:
        return len(self.samples)

"""The shape every scorer shares: a ``Score`` and the ``ResponseScorer`` protocol.

A scorer takes the response text, the sample's target(s) and, when it needs it, the
sample's input, and returns a ``Score``. Deterministic scorers are plain synchronous
callables (``scorer(response, targets)``) so they can be used anywhere without an event
loop; every scorer also offers ``ascore`` so the runner can await all of them the same way
(the LLM judge is only asynchronous).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Score:
    """The result of scoring one response.

    Attributes:
        value: The score in ``[0, 1]``; 1 is best for the scorer's own question.
        passed: Whether the sample passes (``value`` at or above the scorer's threshold).
        label: A short categorical outcome, e.g. ``full_refusal`` or ``leaked``.
        explanation: One line a person can read, e.g. why a sample failed.
        details: Scorer-specific facts (parsed number, findings, judge token usage, ...).
    """

    value: float
    passed: bool
    label: str | None = None
    explanation: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:
            raise ValueError(f"a score value must lie in [0, 1], got {self.value!r}")


def binary(
    ok: bool, label: str | None = None, explanation: str | None = None, **details: Any
) -> Score:
    """A pass/fail ``Score``: value 1.0 when ``ok``, else 0.0."""
    return Score(1.0 if ok else 0.0, ok, label, explanation, details)


def as_targets(targets: str | Sequence[str] | None) -> tuple[str, ...]:
    """Normalise a sample's ``target`` or ``targets`` to a tuple of strings."""
    if targets is None:
        return ()
    if isinstance(targets, str):
        return (targets,)
    return tuple(str(t) for t in targets)


@runtime_checkable
class ResponseScorer(Protocol):
    """What the runner needs from a scorer: a name and an awaitable ``ascore``."""

    name: str

    async def ascore(
        self, response: str, targets: str | Sequence[str] | None = None, *, input: str = ""
    ) -> Score:
        """Score ``response`` against ``targets``; ``input`` is the sample's prompt."""
        ...


class SyncScorer:
    """Base for deterministic scorers: implement ``score``; call or await it."""

    name: str = "scorer"

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        """Score one response; ``targets`` is already normalised."""
        raise NotImplementedError

    def __call__(
        self, response: str, targets: str | Sequence[str] | None = None, *, input: str = ""
    ) -> Score:
        return self.score(response, as_targets(targets), input)

    async def ascore(
        self, response: str, targets: str | Sequence[str] | None = None, *, input: str = ""
    ) -> Score:
        return self(response, targets, input=input)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

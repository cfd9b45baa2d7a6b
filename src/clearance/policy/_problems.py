"""Every problem of a policy at once: :class:`Problem` and :class:`PolicyErrors`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from clearance.errors import PolicyError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file, where it is and how to fix it."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    fix: str

    def as_error(self) -> PolicyError:
        return PolicyError(
            self.message,
            file=self.file,
            line=self.line,
            column=self.column,
            path=self.path or None,
            fix=self.fix or None,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return str(self.as_error())

    @classmethod
    def of(cls, error: PolicyError) -> Problem:
        return cls(
            file=error.file or "",
            line=error.line,
            column=error.column,
            path=error.path or "",
            message=error.message,
            fix=error.fix or "",
        )


class PolicyErrors(PolicyError):
    """A policy with one or more problems; ``problems`` lists all of them in file order.

    Its own file, line, message and fix are the first problem's, so code that handles a
    single :class:`PolicyError` keeps working; ``str()`` lists every problem.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("PolicyErrors needs at least one problem")
        ordered = sorted(dict.fromkeys(problems), key=_order)
        first = ordered[0]
        super().__init__(
            first.message,
            file=first.file or None,
            line=first.line,
            column=first.column,
            path=first.path or None,
            fix=first.fix or None,
        )
        self.problems: tuple[Problem, ...] = tuple(ordered)

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        head = f"{len(self.problems)} problems in {self.problems[0].file}:"
        return "\n".join([head, *(str(p) for p in self.problems)])


def problems_of(error: PolicyError) -> tuple[Problem, ...]:
    """The problems an error stands for (one, unless it is a :class:`PolicyErrors`)."""
    if isinstance(error, PolicyErrors):
        return error.problems
    return (Problem.of(error),)


def _order(problem: Problem) -> tuple[int, int, str]:
    return (problem.line or 0, problem.column or 0, problem.path)

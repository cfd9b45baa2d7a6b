"""Building a live target from its policy description."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clearance.errors import TargetError
from clearance.policy import ImportedTarget, OpenAITarget, PythonTarget, RecordedTarget
from clearance.targets._base import Target
from clearance.targets._openai import OpenAIChat
from clearance.targets._python import PythonCallable
from clearance.targets._recorded import Replay


@dataclass(frozen=True, slots=True)
class TargetOptions:
    """How targets are built for a run.

    Attributes:
        folder: The policy file's folder; relative callables and recordings resolve there.
        role: ``candidate``, ``baseline`` or ``judge``: named in error messages.
        connections: HTTP connection pool size (match the run's concurrency).
        threads: Thread pool size for synchronous Python callables.
    """

    folder: Path | None = None
    role: str = "target"
    connections: int = 64
    threads: int = 16


def build_target(
    spec: OpenAITarget | PythonTarget | RecordedTarget | ImportedTarget,
    options: TargetOptions | None = None,
) -> Target:
    """The live ``Target`` for a policy target description.

    Raises:
        TargetError: a callable cannot be imported, a recording does not exist, or the
            target is ``imported`` (it answers no requests).
        DataError: a recording is malformed.
    """
    opts = options or TargetOptions()
    if isinstance(spec, OpenAITarget):
        return OpenAIChat(spec, role=opts.role, connections=opts.connections)
    if isinstance(spec, PythonTarget):
        return PythonCallable(spec, folder=opts.folder, role=opts.role, threads=opts.threads)
    if isinstance(spec, ImportedTarget):
        raise TargetError(
            f"{opts.role} target is 'adapter: imported': it answers no requests",
            fix="declare a live target (openai, python or recorded) to run suites against it",
        )
    return Replay(spec, folder=opts.folder, role=opts.role)

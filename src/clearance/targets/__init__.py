"""Targets: the models and systems under test, behind one async ``Target`` protocol.

Adapters: ``OpenAIChat`` (any OpenAI-compatible endpoint), ``PythonCallable`` (a
``module:function``), ``Replay`` (a JSONL recording, written by ``Recorder``).
"""

from clearance.targets._base import (
    RETRYABLE_KINDS,
    CallError,
    CallKey,
    Completion,
    ErrorKind,
    Message,
    Target,
    Usage,
    estimate_tokens,
)
from clearance.targets._build import TargetOptions, build_target
from clearance.targets._openai import OpenAIChat
from clearance.targets._python import PythonCallable
from clearance.targets._recorded import Recorder, Replay, read_recording

__all__ = [
    "RETRYABLE_KINDS",
    "CallError",
    "CallKey",
    "Completion",
    "ErrorKind",
    "Message",
    "OpenAIChat",
    "PythonCallable",
    "Recorder",
    "Replay",
    "Target",
    "TargetOptions",
    "Usage",
    "build_target",
    "estimate_tokens",
    "read_recording",
]

"""The ``python`` adapter: a ``module:function`` callable, sync or async.

Sync callables run in a thread pool so they do not block the event loop. Whatever the
callable raises becomes a ``CallError`` of kind ``exception``: recorded for that sample,
never a crash of the run.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from clearance.common import file_sha256
from clearance.errors import TargetError
from clearance.policy import PythonTarget
from clearance.targets._base import (
    CallError,
    CallKey,
    Completion,
    Message,
    SystemPromptStatus,
    make_usage,
)
from clearance.targets._fingerprint import digest


class PythonCallable:
    """A target that calls a Python function with the messages."""

    def __init__(
        self,
        spec: PythonTarget,
        *,
        folder: Path | None = None,
        role: str = "target",
        threads: int = 16,
    ) -> None:
        self.spec = spec
        self.role = role
        self.name = spec.label or spec.callable
        self.function = _resolve(spec.callable, folder, role)
        self.is_async = inspect.iscoroutinefunction(self.function)
        self.fingerprint = digest(_identity(spec, self.function))
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        # Not probed: the callable is handed the messages list itself, system message
        # included. What it does with it (pass it on, drop it) is the system under test,
        # measured by the suites, not a transport fault to flag.
        self.system_prompt: SystemPromptStatus = "received"
        self.system_prompt_note = (
            "a Python callable is handed the messages list, system message included"
        )

    async def complete(
        self,
        messages: list[Message],
        *,
        params: dict[str, Any] | None = None,
        key: CallKey | None = None,
    ) -> Completion:
        if self.spec.system_prompt is not None:
            messages = [{"role": "system", "content": self.spec.system_prompt}, *messages]
        kwargs = {**self.spec.params, **(params or {})}
        try:
            result, seconds = await self._call(messages, kwargs)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise CallError("exception", f"{type(exc).__name__}: {exc}") from None
        return _completion(result, messages, seconds * 1000.0)

    async def _call(self, messages: list[Message], kwargs: dict[str, Any]) -> tuple[Any, float]:
        if self.is_async:
            start = time.perf_counter()
            result = await self.function(messages, **kwargs)
            return result, time.perf_counter() - start
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="clearance-target")
        call = functools.partial(_timed, self.function, messages, kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    async def preflight(self) -> None:
        """Import already happened in the constructor; nothing more to check (the system
        message is in the list the callable gets: ``system_prompt`` is ``received``)."""

    async def aclose(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _timed(function: Any, messages: list[Message], kwargs: dict[str, Any]) -> tuple[Any, float]:
    """Call in the worker thread and time it there: the callable's own latency, without
    the wait for a thread or for the event loop (harness time is not the system's)."""
    start = time.perf_counter()
    result = function(messages, **kwargs)
    return result, time.perf_counter() - start


def _completion(result: Any, messages: list[Message], latency: float) -> Completion:
    if isinstance(result, str):
        return Completion(result, make_usage(messages, result, None, None), latency)
    if not isinstance(result, dict) or not isinstance(result.get("content", ""), str):
        raise CallError(
            "bad_response",
            f"the callable returned {type(result).__name__}; expected str or "
            "{'content': str, 'usage': {...}, 'tool_calls': [...]}",
        )
    text = result.get("content") or ""
    usage = result.get("usage") or {}
    return Completion(
        text,
        make_usage(messages, text, usage.get("input_tokens"), usage.get("output_tokens")),
        latency,
        tool_calls=list(result.get("tool_calls") or []),
        response_id=result.get("id"),
        raw=result,
    )


def _resolve(reference: str, folder: Path | None, role: str) -> Callable[..., Any]:
    module_name, _, attr = reference.partition(":")
    if folder is not None and str(folder) not in sys.path:
        # Import paths relative to the policy's folder are allowed (DESIGN.md, targets).
        sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise TargetError(
            f"{role} target: cannot import '{module_name}' ({type(exc).__name__}: {exc})",
            fix="check 'callable' in the policy; module paths are relative to the policy's "
            "folder or must be importable",
        ) from None
    function: Callable[..., Any] | None = getattr(module, attr, None)
    if function is None or not callable(function):
        raise TargetError(
            f"{role} target: '{module_name}' has no callable '{attr}'",
            fix="point 'callable' at a function taking the list of messages",
        )
    return function


def _identity(spec: PythonTarget, function: Callable[..., Any]) -> dict[str, Any]:
    return {
        "adapter": "python",
        "callable": spec.callable,
        "params": spec.params,
        "system_prompt": spec.system_prompt,
        "source": _source_digest(function),
    }


def _source_digest(function: Callable[..., Any]) -> str | None:
    """sha256 of the file defining ``function`` (None for builtins and C extensions)."""
    try:
        source = inspect.getsourcefile(function)
    except TypeError:
        return None
    return file_sha256(Path(source)) if source and Path(source).is_file() else None

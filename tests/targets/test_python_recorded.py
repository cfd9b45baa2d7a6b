from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clearance.errors import DataError, TargetError
from clearance.policy import PythonTarget, RecordedTarget
from clearance.targets import CallError, CallKey, Recorder, TargetOptions, build_target

MODULE = """
import asyncio
import sys
import uuid
from collections.abc import Iterator

def sync_echo(messages, suffix=""):
    return "sync: " + messages[-1]["content"] + suffix

async def async_echo(messages):
    await asyncio.sleep(0)
    return {"content": "async: " + messages[-1]["content"],
            "usage": {"input_tokens": 11, "output_tokens": 2},
            "tool_calls": [{"type": "function", "function": {"name": "t", "arguments": "{}"}}]}

def broken(messages):
    raise RuntimeError("model fell over")

def wrong_type(messages):
    return 42
"""


def complete(target: Any, prompt: str, key: CallKey | None = None) -> Any:
    async def go() -> Any:
        try:
            return await target.complete([{"role": "user", "content": prompt}], key=key)
        finally:
            await target.aclose()

    return asyncio.run(go())


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    # A module name per test: imported modules are cached process-wide by name.
    module = f"clr_mod_{uuid.uuid4().hex[:8]}"
    (tmp_path / "module_name").write_text(module, encoding="utf-8")
    (tmp_path / f"{module}.py").write_text(MODULE, encoding="utf-8")
    yield tmp_path
    sys.modules.pop(module, None)


def python_target(folder: Path, name: str, **extra: Any) -> Any:
    module = (folder / "module_name").read_text(encoding="utf-8")
    spec = PythonTarget(adapter="python", callable=f"{module}:{name}", **extra)
    return build_target(spec, TargetOptions(folder=folder))


def test_sync_callable_runs_in_a_thread_with_params(folder: Path) -> None:
    done = complete(python_target(folder, "sync_echo", params={"suffix": "!"}), "hi")
    assert done.text == "sync: hi!"
    assert done.usage.estimated


def test_async_callable_with_usage_and_tool_calls(folder: Path) -> None:
    done = complete(python_target(folder, "async_echo"), "hi")
    assert done.text == "async: hi"
    assert (done.usage.input_tokens, done.usage.output_tokens, done.usage.estimated) == (
        11,
        2,
        False,
    )
    assert done.tool_calls[0]["function"]["name"] == "t"


@pytest.mark.parametrize(
    ("name", "kind"), [("broken", "exception"), ("wrong_type", "bad_response")]
)
def test_failures_become_call_errors(folder: Path, name: str, kind: str) -> None:
    with pytest.raises(CallError) as info:
        complete(python_target(folder, name), "hi")
    assert info.value.kind == kind and not info.value.retryable


def test_unimportable_callable_is_a_target_error(folder: Path) -> None:
    with pytest.raises(TargetError, match="no callable 'missing'"):
        python_target(folder, "missing")
    with pytest.raises(TargetError, match="cannot import 'no_such_mod_xyz'"):
        build_target(PythonTarget(adapter="python", callable="no_such_mod_xyz:f"))


def test_fingerprint_follows_the_source_file(folder: Path) -> None:
    before = python_target(folder, "sync_echo").fingerprint
    assert python_target(folder, "sync_echo").fingerprint == before
    module = (folder / "module_name").read_text(encoding="utf-8")
    (folder / f"{module}.py").write_text(MODULE + "\n# changed\n", encoding="utf-8")
    assert python_target(folder, "sync_echo").fingerprint != before


def test_record_then_replay_round_trip(folder: Path, tmp_path: Path) -> None:
    live = python_target(folder, "async_echo")
    done = complete(live, "hi", CallKey("s1"))
    recorder = Recorder(tmp_path / "rec" / "r.jsonl")
    recorder.write(CallKey("s1", 0), done)
    recorder.close()
    replay = build_target(
        RecordedTarget(adapter="recorded", path="rec/r.jsonl"), TargetOptions(folder=tmp_path)
    )
    again = complete(replay, "hi", CallKey("s1", 0))
    assert (again.text, again.usage, again.tool_calls) == (done.text, done.usage, done.tool_calls)
    with pytest.raises(CallError) as info:
        complete(replay, "hi", CallKey("other"))
    assert info.value.kind == "not_recorded"


def test_bad_or_missing_recording(tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text('{"sample_id": "a", "text": "x"}\n{oops\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        build_target(RecordedTarget(adapter="recorded", path=str(tmp_path / "r.jsonl")))
    assert info.value.line == 2
    with pytest.raises(TargetError, match="does not exist"):
        build_target(RecordedTarget(adapter="recorded", path=str(tmp_path / "none.jsonl")))

"""Every example of docs/formats.md loads through the real loaders."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from clearance.evals._datasets import load_dataset
from clearance.policy import RecordedTarget
from clearance.rollout import TelemetryEvent, ingest
from clearance.store import open_store
from clearance.targets._recorded import Replay, read_recording

DOC = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"<!-- example: (?P<name>[\w.]+) -->\n```\w*\n(?P<body>.*?)```", re.S)
EXAMPLES = {m["name"]: m["body"] for m in EXAMPLE.finditer(DOC)}


def write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_text(EXAMPLES[name], encoding="utf-8")
    return path


def test_every_example_is_found() -> None:
    assert set(EXAMPLES) == {"tasks.jsonl", "tasks.csv", "events.jsonl", "recording.jsonl"}


def test_dataset_rows(tmp_path: Path) -> None:
    rows = load_dataset(write(tmp_path, "tasks.jsonl"))
    assert [r.id for r in rows] == ["refund-1", "refund-2", "hours-1"]
    assert rows[0].input and rows[0].target == "yes" and rows[0].category == "returns"
    assert rows[1].messages is not None and rows[1].messages[0]["role"] == "system"
    assert rows[2].target == ("9", "9:00", "9 am")
    assert rows[2].metadata == {"source": "faq"}
    csv_rows = load_dataset(write(tmp_path, "tasks.csv"))
    assert [r.id for r in csv_rows] == ["refund-1", "hours-1"]
    assert csv_rows[0].metadata == {"channel": "email"}


def test_telemetry_events(tmp_path: Path) -> None:
    lines = EXAMPLES["events.jsonl"].splitlines()
    events = [TelemetryEvent.model_validate_json(line) for line in lines]
    assert [e.arm for e in events] == ["candidate", "control"]
    assert events[1].ts == pytest.approx(1796198403.0)
    with open_store(f"sqlite:///{tmp_path / 'c.db'}") as store:
        report = ingest(store, lines, ts_window=None)
    assert (report.accepted, report.rejected) == (2, 0), report.rejects


def test_recorded_responses(tmp_path: Path) -> None:
    path = write(tmp_path, "recording.jsonl")
    responses = read_recording(path)
    assert set(responses) == {("refund-1", 0), ("hours-1", 0)}
    replay = Replay(RecordedTarget(adapter="recorded", path=path.name), folder=tmp_path)
    completion = replay.completion_from(responses[("refund-1", 0)], [])
    assert completion.text == "Yes, within 30 days."
    assert completion.usage.output_tokens == 7
    asyncio.run(replay.aclose())

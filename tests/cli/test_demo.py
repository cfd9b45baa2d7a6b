"""`clearance demo` end to end: blocked, fixed and cleared, approved, rolled out, rolled
back at the canary; every artifact it names exists and opens."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from clearance import governance
from clearance.cli import run
from clearance.store import open_store


def test_demo_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    # The optional real-model act is the realmodel suite's business (it takes minutes).
    assert run(["demo", "--out", str(out), "--no-local-model"]) == 0
    printed = capsys.readouterr().out
    assert "BLOCKED" in printed
    assert "CLEARED" in printed
    assert "refused" in printed  # self-approval
    assert re.search(r"rollback from canary", printed)
    assert "the router sends 1,000 users to: control" in printed
    artifacts = [Path(p) for p in re.findall(r"^\s{2}.{38} (/\S+)$", printed, re.MULTILINE)]
    assert len(artifacts) >= 8
    for path in artifacts:
        assert path.is_file(), path
        _opens(path)
    with open_store(f"sqlite:///{out / 'clearance.db'}") as store:
        assert governance.verify(store).ok
        actions = {e.action for e in governance.entries(store)}
    assert {
        "check.decided",
        "approval.granted",
        "rollout.started",
        "rollout.rolled_back",
    } <= actions


def _opens(path: Path) -> None:
    text = path.read_bytes()
    if path.suffix == ".md":
        assert ModelCard.load(path).data.eval_results
    elif path.suffix == ".xml":
        ET.fromstring(text)
    elif path.suffix == ".html":
        assert text.startswith(b"<!doctype html>")
    elif path.suffix == ".png":
        assert text.startswith(b"\x89PNG")
    elif path.suffix == ".json":
        json.loads(text)

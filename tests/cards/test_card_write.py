"""A card file is written whole or not at all: a temporary file beside it, renamed over
it. A path that cannot be written exits 3 with a message naming the file, and leaves no
half-written card or temporary file behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from checkkit import CARD_TEXT, evidence
from clearance.checklist import Outcome, decide
from clearance.cli import run
from clearance.policy import load_policy
from clearance.release import record
from clearance.store import open_store

CARD = {
    **CARD_TEXT,
}


SYSTEMS = Path(__file__).resolve().parents[1] / "release" / "systems.py"


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, str]:
    """A policy (a python target that refuses everything) and a store with its check."""
    shutil.copy(SYSTEMS, tmp_path / "systems.py")
    path = tmp_path / "clearance.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "clearance": 1,
                "system": {"name": "shop-bot", "kind": "model"},
                "targets": {
                    "candidate": {
                        "adapter": "python",
                        "callable": "systems:refuse_all",
                        "label": "v2",
                    }
                },
                "suites": [{"builtin": "harmful-refusal"}],
                "gates": {"safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.5}]},
                "card": CARD,
            }
        )
    )
    p = load_policy(path)
    ev = evidence(
        tuple(Outcome("harmful-refusal", f"h{i}", passed=True, output="No.") for i in range(20))
    )
    db = f"sqlite:///{tmp_path / 'c.db'}"
    with open_store(db) as store:
        record(store, p, decide(p, ev), ev, "shop-bot@v2", "ci")
    return path, db


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_card_under_a_file_exits_3(
    recorded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, db = recorded
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    card = blocker / "card.md"
    capsys.readouterr()
    assert run(["card", "-p", str(path), "--db", db, "-o", str(card)]) == 3
    err = capsys.readouterr().err
    assert f"could not write the card to {card}" in err
    assert "fix:" in err and "Traceback" not in err
    assert leftovers(tmp_path) == []


def test_card_that_is_a_folder_exits_3(
    recorded: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, db = recorded
    folder = tmp_path / "cards"
    folder.mkdir()
    assert run(["card", "-p", str(path), "--db", db, "-o", str(folder)]) == 3
    assert "could not write the card" in capsys.readouterr().err


def test_failed_write_keeps_the_old_card_and_leaves_no_temporary_file(
    recorded: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, db = recorded
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(path), "--db", db, "-o", str(card)]) == 0
    before = card.read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    capsys.readouterr()
    assert run(["card", "-p", str(path), "--db", db, "-o", str(card)]) == 3
    assert "could not write the card" in capsys.readouterr().err
    assert card.read_bytes() == before
    assert leftovers(tmp_path) == []

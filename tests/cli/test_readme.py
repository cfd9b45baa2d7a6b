"""Every `$ clearance ...` line in the README runs and exits 0; the quick start is true."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from clearance.cli import run

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[list[str]]:
    lines = re.findall(r"^\$ clearance (.+)$", README, flags=re.MULTILINE)
    return [shlex.split(line) for line in lines]


def test_quick_start_shows_the_two_commands_first() -> None:
    quick = README.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", quick, flags=re.DOTALL)
    assert block is not None
    assert [line.split("#")[0].strip() for line in block.group(1).splitlines()] == [
        "make demo",
        "make test",
    ]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.MULTILINE)
    assert re.search(r"^test:", makefile, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    found = commands()
    assert len(found) >= 5
    for argv in found:
        assert run(argv) == 0, f"clearance {shlex.join(argv)}"

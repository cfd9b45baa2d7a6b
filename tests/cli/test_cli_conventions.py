"""What users expect of any CLI: --version, shell completion, --quiet/--verbose, help in
plain words, and --out's extension choosing the format."""

from __future__ import annotations

import json
import logging
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from clearance.cli import app, run

TYPE_NAME = re.compile(r"<(str|int|float|bool|path|list\[[^\]]*\]|[a-z_]+)>")


def _paths(command: Any, prefix: list[str]) -> list[list[str]]:
    found = [prefix]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _paths(sub, [*prefix, name])
    return found


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"clearance {version('clearance')}"


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert "--install-completion" in result.output
    assert "--show-completion" in result.output


def test_every_help_shows_user_words_not_type_names() -> None:
    runner = CliRunner()
    paths = _paths(typer.main.get_command(app), [])
    assert len(paths) > 30
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, path
        names = TYPE_NAME.findall(result.output)
        assert not names, f"clearance {' '.join(path)} --help shows {names}"
    help_text = runner.invoke(app, ["approvals", "--help"], terminal_width=200).output
    assert re.search(r"--policy\s+-p\s+PATH", help_text)
    assert re.search(r"release\s+TEXT", help_text)


def test_quiet_keeps_data_and_errors_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert run(["audit", "log", "--db", db]) == 0
    assert "entries" in capsys.readouterr().err  # the count is a message on stderr
    assert run(["--quiet", "audit", "log", "--db", db, "--json"]) == 0
    assert capsys.readouterr().err == ""
    assert run(["-q", "audit", "verify", "--db", db, "--incremental"]) == 2
    assert "error: --checkpoint and --incremental need --key" in capsys.readouterr().err


def test_verbose_shows_debug_logs(capsys: pytest.CaptureFixture[str]) -> None:
    log = logging.getLogger("clearance.test")
    assert run(["--verbose", "schema"]) == 0
    log.debug("a debug detail")
    assert "debug: clearance.test: a debug detail" in capsys.readouterr().err
    assert run(["schema"]) == 0
    log.debug("hidden")
    assert "hidden" not in capsys.readouterr().err


def test_quiet_and_verbose_together_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["-q", "-v", "schema"]) == 2
    assert "--quiet and --verbose" in capsys.readouterr().err


def _check(example: tuple[Path, str], *extra: str) -> int:
    policy, db = example
    return run(["check", "-p", str(policy), "--db", db, *extra])


def test_out_extension_picks_the_report_format(example: tuple[Path, str], tmp_path: Path) -> None:
    for name, starts in [
        ("r.html", "<!doctype html>"),
        ("r.md", "## clearance:"),
        ("r.xml", "<?xml"),
        ("r.txt", "northwind-support-assistant: "),
    ]:
        assert _check(example, "-o", str(tmp_path / name)) in (0, 1)
        assert (tmp_path / name).read_text().lower().startswith(starts.lower()), name
    assert _check(example, "-o", str(tmp_path / "r.json")) in (0, 1)
    assert "decision" in json.loads((tmp_path / "r.json").read_text())


def test_explicit_format_wins_over_the_extension(example: tuple[Path, str], tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert _check(example, "-o", str(out), "-f", "json") in (0, 1)
    assert "decision" in json.loads(out.read_text())


def test_unknown_extension_without_format_exits_2(
    example: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.pdf"
    assert _check(example, "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert "r.pdf" in err and "--format" in err and ".html" in err
    assert not out.exists()


def test_quiet_still_shows_what_is_wrong_with_a_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "clearance.yaml"
    policy.write_text("clearance: 1\nsystem: {name: s}\ntargest: {}\n")
    assert run(["--quiet", "validate", "--policy", str(policy)]) == 2
    said = capsys.readouterr().err
    assert "targest" in said and "targets" in said

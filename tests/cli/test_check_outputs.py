"""`clearance check` outputs that cannot be written: exit 3 naming the file, never a
traceback or the "blocked" code; what can be written still is; nothing is half-written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from clearance.cli import run
from clearance.cli._outputs import OutputError, append_whole, write_atomic


def _check(example: tuple[Path, str], *extra: str) -> int:
    policy, db = example
    return run(["check", "-p", str(policy), "--db", db, *extra])


def _decided(text: str) -> bool:
    """The check's decision is shown (these tests hold whichever it is)."""
    return "BLOCKED" in text or "CLEARED" in text


@pytest.mark.parametrize("where", ["directory", "missing folder", "file as folder"])
def test_unwritable_step_summary_exits_3_after_the_report(
    example: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    where: str,
) -> None:
    (tmp_path / "plain").write_text("x")
    summary = {
        "directory": tmp_path,
        "missing folder": tmp_path / "no" / "such" / "summary.md",
        "file as folder": tmp_path / "plain" / "summary.md",
    }[where]
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert _check(example, "-f", "json") == 3
    captured = capsys.readouterr()
    decision = json.loads(captured.out)["decision"]  # the report is still printed
    assert decision.upper() in captured.err  # and so is the decision
    assert f"could not write the step summary ($GITHUB_STEP_SUMMARY) to {summary}" in captured.err
    assert "GITHUB_STEP_SUMMARY at a writable file" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_step_summary_in_read_only_folder_exits_3(
    example: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(folder / "summary.md"))
        assert _check(example) == 3
        assert "Permission denied" in capsys.readouterr().err
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_step_summary_on_a_full_disk_exits_3(
    example: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "/dev/full")
    assert _check(example) == 3
    assert "/dev/full: No space left on device" in capsys.readouterr().err


def test_step_summary_keeps_earlier_steps_text(
    example: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert _check(example) in (0, 1)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n")
    assert _decided(text)


@pytest.mark.parametrize(
    ("fmt", "where"),
    [(fmt, "directory") for fmt in ("table", "json", "markdown", "html", "junit")]
    + [("json", "file as folder")],
)
def test_unwritable_out_exits_3_in_every_format(
    example: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    where: str,
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    (tmp_path / "plain").write_text("x")
    target = tmp_path if where == "directory" else tmp_path / "plain" / f"report.{fmt}"
    assert _check(example, "-f", fmt, "-o", str(target)) == 3
    err = capsys.readouterr().err
    assert f"could not write the report to {target}" in err
    assert "give --out a file path in a writable folder" in err
    assert _decided(err)
    assert "Traceback" not in err
    assert _decided(summary.read_text(encoding="utf-8"))  # the other output is written
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_both_outputs_failing_names_both(
    example: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "gone" / "summary.md"))
    (tmp_path / "plain").write_text("x")
    assert _check(example, "-o", str(tmp_path / "plain" / "r.json")) == 3
    err = capsys.readouterr().err
    assert "could not write the report" in err
    assert "could not write the step summary" in err


def test_out_is_replaced_whole_or_left_as_it_was(
    example: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "deep" / "report.json"
    assert _check(example, "-f", "json", "-o", str(report)) in (0, 1)  # creates the folder
    first = report.read_text(encoding="utf-8")
    assert json.loads(first)["decision"] in ("cleared", "blocked")

    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("clearance.cli._outputs.os.replace", refuse)
    assert _check(example, "-f", "html", "-o", str(report)) == 3
    assert report.read_text(encoding="utf-8") == first
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.json"]


def test_write_atomic_leaves_no_temp_file_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.txt"
    target.write_text("old", encoding="utf-8")

    def fail(fd: int, data: object) -> int:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr("clearance.cli._outputs.os.write", fail)
    with pytest.raises(OutputError, match="r.txt: Input/output error") as info:
        write_atomic(target, "new", what="the report", fix="retry")
    assert info.value.exit_code == 3
    assert info.value.fix == "retry"
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.txt"]


def test_append_whole_cuts_a_partial_append_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "summary.md"
    target.write_bytes(b"before\n")
    real_write = os.write
    calls = []

    def partial(fd: int, data: bytes) -> int:
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[:3]))  # a short write, then the disk fills up
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("clearance.cli._outputs.os.write", partial)
    with pytest.raises(OutputError, match="No space left on device"):
        append_whole(target, "a long summary\n", what="the step summary", fix="free space")
    assert target.read_bytes() == b"before\n"
    assert calls == [15, 12]


def test_an_unexpected_crash_exits_3_without_a_traceback(
    example: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a rendering bug (e.g. a status the table has no style for) must not exit 1 (blocked)
    def broken(*args: object, **kwargs: object) -> str:
        raise KeyError("inconclusive")

    monkeypatch.setattr("clearance.cli._check_cmds.render_report", broken)
    code = _check(example)
    out = capsys.readouterr()
    assert code == 3
    assert "Traceback" not in out.out + out.err
    assert "internal error: KeyError" in out.err

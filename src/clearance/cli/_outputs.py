"""Writing a command's output files whole or not at all.

A report given to ``--out`` is written to a temporary file beside it and renamed over it,
so a reader never sees half a report and a failed write leaves any earlier file as it was.
A file that others append to (``$GITHUB_STEP_SUMMARY``) gets our text appended in full or
cut back to its old length. A file that cannot be written is a
:class:`~clearance.errors.RuntimeFailure` (exit 3) naming the file and the reason, never a
traceback: by then the command has done its work, so the failure is the output's alone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from clearance.errors import RuntimeFailure

__all__ = ["OutputError", "append_whole", "write_atomic"]


class OutputError(RuntimeFailure):
    """An output file could not be written (exit 3)."""


def write_atomic(path: Path, text: str, *, what: str, fix: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one rename; create its folder if needed.

    Raises:
        OutputError: the folder or the file cannot be written. Nothing is left behind.
    """
    data = text.encode("utf-8")
    tmp: Path | None = None
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        # 0o666 less the umask: the same mode a plain open() would give the file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise _failure(what, path, exc, fix) from None


def append_whole(path: Path, text: str, *, what: str, fix: str) -> None:
    """Append ``text`` (UTF-8) to ``path``, creating it; on failure cut it back.

    Raises:
        OutputError: the file cannot be opened or written. Its old content is kept.
    """
    data = text.encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as exc:
        raise _failure(what, path, exc, fix) from None
    try:
        size = os.fstat(fd).st_size
        try:
            _write_all(fd, data)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # not on pipes or devices: nothing to cut back there
            raise
    except OSError as exc:
        raise _failure(what, path, exc, fix) from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _failure(what: str, path: Path, exc: OSError, fix: str) -> OutputError:
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"could not write {what} to {path}: {reason}", fix=fix)

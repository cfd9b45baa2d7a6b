"""How fast the import readers read each tool's files, against bare parsing of the same
bytes in the same run.

Usage:
    .venv/bin/python bench/imports/run.py [--repeat N]

For each committed fixture, the median time of the reader (clearance's ``read_tasks``:
parse, check every field, build the items) and of the reference: the JSON parse alone
(``json.loads`` of each JSON member or line, after unzipping an Inspect log), so the ratio
is what checking and building costs over parsing. Prints items per second and the ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import zstandard

from clearance.imports import read_tasks

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "imports"
FILES = {
    "inspect": FIXTURES / "inspect" / "candidate.eval",
    "lm-eval": FIXTURES / "lm-eval" / "candidate",
    "promptfoo": FIXTURES / "promptfoo" / "candidate.json",
    "deepeval": FIXTURES / "deepeval" / "candidate.json",
}


def parse_only(path: Path) -> int:
    """The reference: every JSON value in the file parsed, nothing checked."""
    if path.suffix == ".eval":
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                with archive.open(info) if info.compress_type != 93 else _raw(archive, info) as raw:
                    json.loads(raw.read())
        return 0
    if path.is_dir():
        for file in path.iterdir():
            text = file.read_text()
            if file.suffix == ".jsonl":
                for line in text.splitlines():
                    json.loads(line)
            else:
                json.loads(text)
        return 0
    json.loads(path.read_text())
    return 0


def _raw(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> zstandard.ZstdDecompressionReader:
    """A zstd member (method 93, which zipfile cannot open before Python 3.14), read raw
    past its local header and decompressed."""
    with Path(archive.filename or "").open("rb") as handle:
        handle.seek(info.header_offset + 26)
        skip = int.from_bytes(handle.read(2), "little") + int.from_bytes(handle.read(2), "little")
        handle.seek(skip, 1)
        data = handle.read(info.compress_size)
    return zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True)


def median_s(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(
        f"{'tool':<10} {'items':>6} {'reader ms':>10} {'parse ms':>9} {'ratio':>6} {'items/s':>9}"
    )
    for tool, path in FILES.items():
        items = sum(len(t.items) for t in read_tasks(path))
        reader = median_s(partial(read_tasks, path), args.repeat)
        parse = median_s(partial(parse_only, path), args.repeat)
        print(
            f"{tool:<10} {items:>6} {reader * 1000:>10.1f} {parse * 1000:>9.1f} "
            f"{reader / parse:>6.2f} {items / reader:>9.0f}"
        )


if __name__ == "__main__":
    main()

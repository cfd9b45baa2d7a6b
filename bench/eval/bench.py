"""Harness-overhead benchmark: clearance vs the aiohttp reference runner, same stub.

Usage (from the repo root, stub and reference from ../shared/bench):
    .venv/bin/python bench/eval/bench.py --shared ../shared/bench --runs 3 --delays 0 50

Each figure is the median of ``--runs`` timed runs after one warm-up, whole process
(start-up, loading, scoring, storing to SQLite included), runs of the two tools interleaved.
CPU = user + sys of the harness process (the stub is a separate process, not counted).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
PORT = 18777
POLICY = """clearance: 1
system: {{name: bench}}
targets:
  candidate:
    adapter: openai
    base_url: http://127.0.0.1:{port}/v1
    model: stub-model
    params: {{temperature: 0, max_tokens: 16}}
suites:
  - {{name: arith, path: {data}, scorer: {{kind: exact}}}}
"""


def timed(cmd: list[str], cwd: Path) -> dict[str, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{err}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def start_stub(shared: Path, delay: float) -> subprocess.Popen[bytes]:
    stub = subprocess.Popen(
        [
            sys.executable,
            str(shared / "stub_server.py"),
            "--port",
            str(PORT),
            "--delay-ms",
            str(delay),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/v1/models", timeout=1).read()
            return stub
        except OSError:
            time.sleep(0.1)
    stub.kill()
    raise SystemExit("stub did not come up")


def commands(shared: Path, work: Path, data: Path, limit: int | None) -> dict[str, list[str]]:
    policy = work / f"clearance-{data.stem}.yaml"
    policy.write_text(POLICY.format(port=PORT, data=data), encoding="utf-8")
    ref = [
        sys.executable,
        str(shared / "ref_runner.py"),
        "--data",
        str(data),
        "--base-url",
        f"http://127.0.0.1:{PORT}/v1",
        "--concurrency",
        "64",
    ]
    db = f"sqlite:///{work / 'bench.db'}"
    ours = [sys.executable, str(HERE / "run_clearance.py"), str(policy), db]
    cli = [
        sys.executable,
        str(HERE / "cli.py"),
        "eval",
        "--policy",
        str(policy),
        "--db",
        db,
        "--concurrency",
        "64",
        "--no-cache",
    ]
    if limit:
        ref += ["--limit", str(limit)]
        ours += [str(limit)]
        cli += ["--limit", str(limit)]
    return {"reference (aiohttp)": ref, "clearance": ours, "clearance CLI": cli}


def measure(cmds: dict[str, list[str]], work: Path, runs: int) -> dict[str, dict[str, float]]:
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in cmds}
    for index in range(runs + 1):
        for name, cmd in cmds.items():
            result = timed(cmd, work)
            if index:  # the first round is the warm-up
                rows[name].append(result)
    return {
        name: {k: statistics.median(r[k] for r in results) for k in results[0]}
        for name, results in rows.items()
    }


def big_data(shared: Path, work: Path, count: int) -> Path:
    source = (shared / "data" / "arith_2000.jsonl").read_text().splitlines()
    out = work / f"arith_{count}.jsonl"
    with out.open("w") as handle:
        for i in range(count):
            row = json.loads(source[i % len(source)])
            row["id"] = f"q{i:06d}"
            handle.write(json.dumps(row) + "\n")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--delays", type=float, nargs="+", default=[0, 50])
    ap.add_argument("--big", type=int, default=100_000)
    args = ap.parse_args()
    shared = args.shared.resolve()
    work = Path(tempfile.mkdtemp(prefix="clearance-bench-"))
    data = shared / "data" / "arith_2000.jsonl"
    report: dict[str, object] = {}
    try:
        for delay in args.delays:
            stub = start_stub(shared, delay)
            try:
                report[f"delay {delay:g}"] = measure(
                    commands(shared, work, data, None), work, args.runs
                )
                if delay == 0:
                    report["start-up (1 sample)"] = measure(
                        commands(shared, work, data, 1), work, args.runs
                    )
                    if args.big:
                        big = big_data(shared, work, args.big)
                        cmd = commands(shared, work, big, None)["clearance"]
                        report[f"{args.big} samples"] = timed(cmd, work)
            finally:
                stub.terminate()
                stub.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

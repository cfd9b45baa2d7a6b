"""Start-up time of the CLI: `clearance --help` and `clearance validate` on the bundled
example, each as a ratio to `python -c pass` measured in the same run.

    .venv/bin/python bench/startup/run.py [--repeat 10]

Every command is run as a fresh process; the figures are medians of wall-clock seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "support-assistant"
CLI = [sys.executable, "-m", "clearance"]
CASES: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "clearance --help": [*CLI, "--help"],
    "clearance validate": [*CLI, "validate", "--policy", str(EXAMPLE / "clearance.yaml")],
}


def _once(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=EXAMPLE, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def measure(repeat: int) -> dict[str, float]:
    """Median seconds per case; the cases are interleaved so drift hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for argv in CASES.values():
        _once(argv)  # warm the file cache
    for _ in range(repeat):
        for name, argv in CASES.items():
            times[name].append(_once(argv))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    medians = measure(args.repeat)
    base = medians["python -c pass"]
    print(f"{'command':<20} {'median s':>9} {'x python -c pass':>17}")
    for name, seconds in medians.items():
        print(f"{name:<20} {seconds:>9.3f} {seconds / base:>17.1f}")


if __name__ == "__main__":
    main()

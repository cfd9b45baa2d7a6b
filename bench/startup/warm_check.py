"""CPU time of a warm `clearance check` (every suite already run and stored), as a ratio
to `python -c pass` measured in the same run.

    .venv/bin/python bench/startup/warm_check.py [--repeat 5]

It runs `clearance demo --no-local-model` once into a temporary folder, then times
`clearance check` of the demo's fixed policy against the demo's store: nothing is sent
to the model (every run is reused), but the probes still run (a real chat completion to
the baseline, the telemetry round trip and the rollback drill, whose router runs in a
second process). CPU is user + system time of the process and its children.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CLI = [sys.executable, "-m", "clearance"]


def _cpu(argv: list[str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        subprocess.run(
            [*CLI, "demo", "--no-local-model", "--out", str(out)], check=True, capture_output=True
        )
        folder = out / "support-assistant"
        check = [
            *CLI,
            "check",
            "-p",
            "clearance.v2.0.1.yaml",
            "--db",
            f"sqlite:///{out / 'clearance.db'}",
            "-f",
            "json",
            "-o",
            str(out / "w.json"),
        ]
        cases = {"python -c pass": [sys.executable, "-c", "pass"], "warm clearance check": check}
        _cpu(check, folder)  # the first check after the demo may still record things
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.repeat):
            for name, argv in cases.items():
                times[name].append(_cpu(argv, folder))
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["python -c pass"] or 1e-3
    print(f"{'command':<22} {'median CPU s':>12} {'x python -c pass':>17}")
    for name, seconds in medians.items():
        print(f"{name:<22} {seconds:>12.3f} {seconds / base:>17.1f}")


if __name__ == "__main__":
    main()

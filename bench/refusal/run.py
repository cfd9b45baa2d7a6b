"""Measure the refusal classifier against XSTest's human-labelled completions.

Usage:
    .venv/bin/python bench/refusal/run.py [--data DIR] [--errors N]

Reads the data at run time from ``/work/shared/data/xstest`` (or ``--data``); nothing of
XSTest is stored in the project. Prints, per completions file, agreement with the human
labels (binary: refusal = full or partial refusal; and 3-way), the paper's two classifiers
on the same rows for reference, and classifications per second.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from pathlib import Path

from clearance.evals.scorers import classify_refusal

FILES = ("completions_gpt4.csv", "completions_llama2orig.csv")
LABELS = {
    "1_full_compliance": "full_compliance",
    "2_full_refusal": "full_refusal",
    "3_partial_refusal": "partial_refusal",
}


def _load(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _binary(label: str) -> bool:
    return LABELS.get(label, label) != "full_compliance"


def _agreement(rows: list[dict[str, str]], predicted: list[str]) -> tuple[float, float]:
    human = [LABELS[r["human_label"]] for r in rows]
    binary = sum(_binary(h) == _binary(p) for h, p in zip(human, predicted, strict=True))
    three = sum(h == p for h, p in zip(human, predicted, strict=True))
    return binary / len(rows), three / len(rows)


def _reference(rows: list[dict[str, str]], column: str) -> float:
    agree = sum(_binary(r["human_label"]) == _binary(r[column]) for r in rows)
    return agree / len(rows)


def _throughput(pairs: list[tuple[str, str]], min_seconds: float = 1.0) -> float:
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds:
        for text, prompt in pairs:
            classify_refusal(text, prompt)
        done += len(pairs)
    return done / elapsed


def _rate_error(rows: list[dict[str, str]], predicted: list[str], unsafe: bool, name: str) -> str:
    """Refusal rate on one prompt set (XSTest's unsafe prompts are the ``contrast_``
    types), human and predicted, and the error in percentage points."""
    chosen = [
        (r, p)
        for r, p in zip(rows, predicted, strict=True)
        if r["type"].startswith("contrast_") == unsafe
    ]
    human = sum(_binary(r["human_label"]) for r, _ in chosen) / len(chosen)
    ours = sum(_binary(p) for _, p in chosen) / len(chosen)
    return (
        f"refusal rate, {name} prompts (n={len(chosen)}): human {human:.1%}, clearance "
        f"{ours:.1%}, error {100 * (ours - human):+.1f} pp"
    )


def _report(path: Path, show_errors: int) -> None:
    rows = _load(path)
    predicted = [classify_refusal(r["completion"], r["prompt"]).label for r in rows]
    binary, three = _agreement(rows, predicted)
    print(
        f"\n{path.name}: {len(rows)} completions, human labels "
        f"{dict(Counter(LABELS[r['human_label']] for r in rows))}"
    )
    print(f"  clearance   binary {binary:.3f}   3-way {three:.3f}")
    print(
        f"  paper strmatch binary {_reference(rows, 'strmatch_label'):.3f}"
        f"   gpt4 judge binary {_reference(rows, 'gpt4_label'):.3f}"
    )
    for name, unsafe in (("safe", False), ("unsafe", True)):
        print(f"  {_rate_error(rows, predicted, unsafe, name)}")
    human = [LABELS[r["human_label"]] for r in rows]
    for cls in LABELS.values():
        said = [p for h, p in zip(human, predicted, strict=True) if h == cls]
        got = [h for h, p in zip(human, predicted, strict=True) if p == cls]
        recall = sum(p == cls for p in said) / max(1, len(said))
        precision = sum(h == cls for h in got) / max(1, len(got))
        print(f"  {cls:<16} recall {recall:.3f} (n={len(said)})  precision {precision:.3f}")
    pairs = zip(human, predicted, strict=True)
    print(f"  confusion (human -> predicted): {dict(Counter(pairs))}")
    print(
        f"  throughput  {_throughput([(r['completion'], r['prompt']) for r in rows]):,.0f} classifications/s"
    )
    errors = [
        (r, p)
        for r, p in zip(rows, predicted, strict=True)
        if _binary(r["human_label"]) != _binary(p)
    ]
    for r, p in errors[:show_errors]:
        print(
            f"  [{r['id']}] human={r['human_label']} predicted={p} "
            f"cue={classify_refusal(r['completion'], r['prompt']).cue!r}\n     "
            f"{r['completion'][:300]!r}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/xstest"))
    parser.add_argument("--errors", type=int, default=0, help="print the first N disagreements")
    parser.add_argument("--only", choices=FILES, help="measure one file only")
    args = parser.parse_args(argv)
    for name in FILES if args.only is None else (args.only,):
        _report(args.data / name, args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Measure the refusal classifier against the hand-labelled set in ``labelled/``.

Usage:
    .venv/bin/python bench/refusal/labelled.py [--errors N] [--split dev|test|all] [--save]

Prints, per split (dev, test, all): recall per human label and precision per predicted
label, 3-way and binary agreement (refusal = full or partial refusal), the confusion
matrix, binary agreement per style and per idiom, the refusal-rate error on harmful and
on benign prompts (predicted rate minus labelled rate, percentage points), and
classifications per second. Writes nothing unless ``--save``, which writes
``results-labelled-<date>.md`` next to this script.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from clearance.evals.scorers import _refusal, classify_refusal

HERE = Path(__file__).resolve().parent
DATA = HERE / "labelled" / "responses.jsonl"
CLASSES = ("full_compliance", "full_refusal", "partial_refusal")
SHORT = {"full_compliance": "comply", "full_refusal": "refuse", "partial_refusal": "partial"}
SPLITS = ("dev", "test", "all")

Row = dict[str, str]


def load(path: Path = DATA) -> list[Row]:
    """The labelled rows, one JSON object per line."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _refused(label: str) -> bool:
    return label != "full_compliance"


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.3f}" if den else "-"


def _binary_table(title: str, key: str, rows: list[Row], pred: dict[str, str]) -> list[str]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    out = [f"| {title} | n | binary agreement | 3-way agreement |", "|---|---|---|---|"]
    for name in sorted(groups):
        group = groups[name]
        binary = sum(_refused(r["label"]) == _refused(pred[r["id"]]) for r in group)
        three = sum(r["label"] == pred[r["id"]] for r in group)
        out.append(
            f"| {name} | {len(group)} | {_ratio(binary, len(group))} | "
            f"{_ratio(three, len(group))} |"
        )
    return out


def _rate_error(rows: list[Row], pred: dict[str, str], kinds: set[str]) -> str:
    chosen = [r for r in rows if r["prompt_kind"] in kinds]
    if not chosen:
        return "-"
    labelled = sum(_refused(r["label"]) for r in chosen) / len(chosen)
    predicted = sum(_refused(pred[r["id"]]) for r in chosen) / len(chosen)
    return (
        f"{100 * (predicted - labelled):+.1f} pp (labelled {100 * labelled:.1f}%, "
        f"predicted {100 * predicted:.1f}%, n={len(chosen)})"
    )


def report(name: str, rows: list[Row], pred: dict[str, str]) -> list[str]:
    """Markdown lines for one split."""
    n = len(rows)
    binary = sum(_refused(r["label"]) == _refused(pred[r["id"]]) for r in rows)
    three = sum(r["label"] == pred[r["id"]] for r in rows)
    pairs = Counter((r["label"], pred[r["id"]]) for r in rows)
    out = [
        f"## {name}: {n} responses",
        "",
        f"- binary agreement (refusal = full or partial): **{_ratio(binary, n)}**",
        f"- 3-way agreement: **{_ratio(three, n)}**",
        f"- refusal-rate error, harmful prompts: {_rate_error(rows, pred, {'harmful'})}",
        "- refusal-rate error, benign prompts (benign + benign_lookalike): "
        + _rate_error(rows, pred, {"benign", "benign_lookalike"}),
        f"- refusal-rate error, benign_lookalike only: "
        f"{_rate_error(rows, pred, {'benign_lookalike'})}",
        "",
        "| class | human n | recall (per human label) | predicted n | precision (per predicted) |",
        "|---|---|---|---|---|",
    ]
    for cls in CLASSES:
        human_n = sum(k[0] == cls for k in pairs.elements())
        pred_n = sum(k[1] == cls for k in pairs.elements())
        hit = pairs[(cls, cls)]
        out.append(
            f"| {cls} | {human_n} | {_ratio(hit, human_n)} | {pred_n} | {_ratio(hit, pred_n)} |"
        )
    out += ["", "Confusion (rows: human label, columns: predicted):", ""]
    out.append("| human \\ predicted | " + " | ".join(SHORT[c] for c in CLASSES) + " |")
    out.append("|---|---|---|---|")
    for cls in CLASSES:
        out.append(f"| {SHORT[cls]} | " + " | ".join(str(pairs[(cls, p)]) for p in CLASSES) + " |")
    out += ["", *_binary_table("style", "style", rows, pred), ""]
    out += [*_binary_table("idiom", "idiom", rows, pred), ""]
    return out


def classifier_digest() -> str:
    """A short hash of the classifier's source, so a saved result names what it measured."""
    return hashlib.sha256(Path(_refusal.__file__).read_bytes()).hexdigest()[:12]


def throughput(pairs: list[tuple[str, str]], min_seconds: float = 1.0) -> float:
    """Single-threaded classifications per second over (response, prompt) pairs, repeated."""
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < min_seconds:
        for text, prompt in pairs:
            classify_refusal(text, prompt)
        done += len(pairs)
    return done / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--errors", type=int, default=0, help="print N disagreements")
    parser.add_argument("--split", choices=SPLITS, help="report one split only")
    parser.add_argument("--save", action="store_true", help="write results-labelled-<date>.md")
    args = parser.parse_args(argv)

    rows = load(args.data)
    pred = {r["id"]: classify_refusal(r["response"], r["prompt"]).label for r in rows}
    rate = throughput([(r["response"], r["prompt"]) for r in rows])
    lines = [
        f"# Refusal classifier vs the hand-labelled set ({dt.date.today().isoformat()})",
        "",
        f"`{args.data.name}`: {len(rows)} responses. Throughput: {rate:,.0f} "
        "classifications/s (single thread, the set's own responses, repeated for 1 s). "
        f"Classifier source `_refusal.py` sha256 `{classifier_digest()}`.",
        "",
        "The shipped decisions are fitted on this set as well as on XSTest "
        "(`bench/refusal/train.py`), so these figures are in sample. Held-out figures "
        "(each model family predicted by decisions fitted without it) are in "
        "`results-train-<date>.md`.",
        "",
    ]
    for split in (args.split,) if args.split else SPLITS:
        chosen = rows if split == "all" else [r for r in rows if r["split"] == split]
        lines += report(split, chosen, pred)
    print("\n".join(lines))

    shown = rows if args.split in (None, "all") else [r for r in rows if r["split"] == args.split]
    wrong = [r for r in shown if _refused(r["label"]) != _refused(pred[r["id"]])]
    for row in wrong[: args.errors]:
        verdict = classify_refusal(row["response"], row["prompt"])
        print(
            f"[{row['id']} {row['split']} {row['idiom']} {row['style']}] "
            f"human={row['label']} predicted={verdict.label} cue={verdict.cue!r}\n"
            f"    prompt: {row['prompt'][:120]!r}\n    {row['response'][:300]!r}"
        )
    if args.save:
        out = HERE / f"results-labelled-{dt.date.today().isoformat()}.md"
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"\nwrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fit the refusal classifier's linear decision on development data only.

Usage:
    .venv/bin/python bench/refusal/train.py [--data DIR] [--write] [--c C]

Development data: the two XSTest completion files (read at run time from
``/work/shared/data/xstest`` or ``--data``; nothing of them is stored in the project)
and the ``dev`` split of the hand-labelled set. The ``test`` split is never read here.

Three L2-regularised logistic regressions over ``clearance.evals.scorers._refusal.features``
(the phrase rules' findings and the behaviour vector): refusal (full or partial) against
compliance, fitted apart on the rows where a phrase rule found a refusal cue and on the
rest, and partial against full refusal on the refused rows. Each of
the three sources carries the same total weight, so 266 varied hand-labelled rows count
as much as 450 completions of one model. ``--c`` is the inverse regularisation strength
(default: chosen by 5-fold cross-validation on the development rows). Prints
cross-validated and in-sample agreement and the weights; ``--write`` rewrites
``src/clearance/evals/scorers/_refusal_model.py``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from clearance.evals.scorers import _refusal
from clearance.evals.scorers._behaviour import FEATURES

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import labelled  # noqa: E402

XSTEST = Path("/work/shared/data/xstest")
FILES = ("completions_gpt4.csv", "completions_llama2orig.csv")
LABELS = {
    "1_full_compliance": "full_compliance",
    "2_full_refusal": "full_refusal",
    "3_partial_refusal": "partial_refusal",
}
MODEL = HERE.parents[1] / "src" / "clearance" / "evals" / "scorers" / "_refusal_model.py"
NAMES = _refusal.RULE_FEATURES + FEATURES
GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Row:
    """One labelled response."""

    response: str
    prompt: str
    label: str
    source: str
    """The XSTest file, or ``labelled-<idiom>``: the family held out together."""
    harmful: bool
    """XSTest's unsafe (``contrast_``) prompts; the labelled set's harmful prompts."""
    split: str


def development(data: Path) -> list[Row]:
    """Every labelled row: both XSTest files (split ``xstest``) and the hand-labelled set."""
    rows = []
    for name in FILES:
        with (data / name).open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                harmful = r["type"].startswith("contrast_")
                label = LABELS[r["human_label"]]
                rows.append(Row(r["completion"], r["prompt"], label, name, harmful, "xstest"))
    for r in labelled.load():
        harmful = r["prompt_kind"] == "harmful"
        source = f"labelled-{r['idiom']}"
        rows.append(Row(r["response"], r["prompt"], r["label"], source, harmful, r["split"]))
    return rows


def _weights(sources: list[str]) -> Array:
    names, counts = np.unique(sources, return_counts=True)
    per = dict(zip(names, len(sources) / (len(names) * counts), strict=True))
    return np.array([per[s] for s in sources])


def fit(x: Array, y: Array, w: Array, c: float) -> Array:
    """Weighted logistic regression with an L2 penalty ``1/(2c)`` on all but the bias."""
    design = np.hstack([np.ones((len(x), 1)), x])

    def loss(beta: Array) -> tuple[float, Array]:
        z = design @ beta
        p = 1.0 / (1.0 + np.exp(-z))
        nll = np.sum(w * (np.logaddexp(0.0, z) - y * z))
        grad = design.T @ (w * (p - y))
        penalty = beta.copy()
        penalty[0] = 0.0
        return float(nll + penalty @ penalty / (2 * c)), grad + penalty / c

    start = np.zeros(design.shape[1])
    return np.asarray(minimize(loss, start, jac=True, method="L-BFGS-B").x, dtype=np.float64)


def _predict(beta: Array, x: Array) -> Array:
    return np.asarray(beta[0] + x @ beta[1:] > 0, dtype=np.float64)


def cross_validated(x: Array, y: Array, w: Array, c: float, folds: int = 5) -> float:
    """Weighted agreement of out-of-fold predictions."""
    order = np.random.default_rng(7).permutation(len(x))
    hits = np.zeros(len(x))
    for k in range(folds):
        held = order[k::folds]
        kept = np.setdiff1d(order, held)
        beta = fit(x[kept], y[kept], w[kept], c)
        hits[held] = _predict(beta, x[held]) == y[held]
    return float(np.sum(w * hits) / np.sum(w))


def _choose_c(x: Array, y: Array, w: Array, quiet: bool = True) -> float:
    scores = {c: cross_validated(x, y, w, c) for c in GRID}
    for c, score in scores.items():
        if not quiet:
            print(f"  C={c:<5} cross-validated agreement {score:.4f}")
    return max(scores, key=lambda c: (scores[c], -c))


def _module(models: dict[str, tuple[Array, float]]) -> str:
    def rows(beta: Array) -> str:
        lines = [f"    {beta[0]:+.4f},  # bias"]
        lines += [f"    {b:+.4f},  # {n}" for b, n in zip(beta[1:], NAMES, strict=True)]
        return "\n".join(lines)

    return (
        '"""The refusal classifier\'s fitted linear decision (generated: do not edit).\n\n'
        "Written by ``bench/refusal/train.py --write`` from the XSTest development files and\n"
        "the hand-labelled set's dev split; ``REFUSE_AFTER_CUE`` and ``REFUSE_WITHOUT_CUE``\n"
        "score refusal (full or partial) against compliance where a phrase rule did or did\n"
        "not find a refusal cue, ``PARTIAL`` partial against full refusal, over\n"
        "``_refusal.RULE_FEATURES + _behaviour.FEATURES``; a score above 0 says yes.\n"
        '"""\n\n'
        + "\n\n".join(
            f"{name} = (  # inverse regularisation {c}\n{rows(beta)}\n)"
            for name, (beta, c) in models.items()
        )
        + "\n"
    )


Models = dict[str, tuple[Array, float]]


def _pooled(sources: list[str]) -> list[str]:
    """Sources for weighting: the labelled set's families count as one source."""
    return ["labelled" if s.startswith("labelled-") else s for s in sources]


def train(x: Array, rows: list[Row], c: float | None, quiet: bool = True) -> Models:
    """The three decisions (``_refusal_model``) fitted on ``rows``."""
    w = _weights(_pooled([r.source for r in rows]))
    refused = np.array([r.label != "full_compliance" for r in rows], dtype=np.float64)
    partial = np.array([r.label == "partial_refusal" for r in rows], dtype=np.float64)
    cued = x[:, NAMES.index("rule_refusal")] == 1
    premise = _answered(x)
    parts = {
        "REFUSE_AFTER_CUE": (cued, refused),
        "REFUSE_WITHOUT_CUE": (~cued & ~premise, refused),
        "PARTIAL": (refused == 1, partial),
    }
    models: Models = {}
    for name, (mask, y) in parts.items():
        if not quiet:
            print(f"{name}:")
        chosen = c or _choose_c(x[mask], y[mask], w[mask], quiet)
        models[name] = (fit(x[mask], y[mask], w[mask], chosen), chosen)
    return models


def _answered(x: Array) -> NDArray[np.bool_]:
    """Rows the rules settle as answers before any decision: a premise correction or an
    AI disclaimer followed by an answer, without a refusal cue."""
    answered = (x[:, NAMES.index("premise")] == 1) | (
        x[:, NAMES.index("disclaimer_then_answer")] == 1
    )
    return np.asarray(answered & (x[:, NAMES.index("rule_refusal")] == 0))


def predict(models: Models, x: Array) -> list[str]:
    """3-way labels, as ``classify_refusal`` decides them (``_answered`` rows are answers
    before any decision)."""
    cued = x[:, NAMES.index("rule_refusal")] == 1
    premise = _answered(x)
    refuse = np.where(
        cued,
        _predict(models["REFUSE_AFTER_CUE"][0], x),
        _predict(models["REFUSE_WITHOUT_CUE"][0], x) * ~premise,
    )
    partial = _predict(models["PARTIAL"][0], x)
    return [
        "full_compliance" if not r else ("partial_refusal" if p else "full_refusal")
        for r, p in zip(refuse, partial, strict=True)
    ]


def _rate(rows: list[Row], labels: list[str], harmful: bool) -> str:
    pairs = [(r, p) for r, p in zip(rows, labels, strict=True) if r.harmful == harmful]
    if not pairs:
        return "–"
    human = sum(r.label != "full_compliance" for r, _ in pairs) / len(pairs)
    ours = sum(p != "full_compliance" for _, p in pairs) / len(pairs)
    return f"{100 * human:.1f}% → {100 * ours:.1f}% ({100 * (ours - human):+.1f} pp)"


def _line(name: str, rows: list[Row], labels: list[str]) -> str:
    binary = np.mean(
        [
            (r.label != "full_compliance") == (p != "full_compliance")
            for r, p in zip(rows, labels, strict=True)
        ]
    )
    three = np.mean([r.label == p for r, p in zip(rows, labels, strict=True)])
    return (
        f"| {name} | {len(rows)} | {binary:.3f} | {three:.3f} | {_rate(rows, labels, True)} "
        f"| {_rate(rows, labels, False)} |"
    )


HEADER = (
    "| held out | n | binary agreement | 3-way | refusal rate, harmful/unsafe: human → "
    "predicted | benign/safe |\n|---|---|---|---|---|---|"
)


def held_out(x: Array, rows: list[Row], c: float | None) -> list[str]:
    """Leave one family out: each XSTest file and each idiom of the labelled set is
    predicted by decisions fitted on all the other rows."""
    sources = sorted({r.source for r in rows})
    out = [""] * len(rows)
    lines = [HEADER]
    for source in sources:
        mine = np.array([r.source == source for r in rows])
        models = train(x[~mine], [r for r, m in zip(rows, mine, strict=True) if not m], c)
        held = [r for r, m in zip(rows, mine, strict=True) if m]
        labels = predict(models, x[mine])
        for i, label in zip(np.flatnonzero(mine), labels, strict=True):
            out[i] = label
        lines.append(_line(source, held, labels))
    labelled_rows = [i for i, r in enumerate(rows) if r.split != "xstest"]
    lines.append(
        _line(
            "all labelled families",
            [rows[i] for i in labelled_rows],
            [out[i] for i in labelled_rows],
        )
    )
    lines += ["", *per_class([rows[i] for i in labelled_rows], [out[i] for i in labelled_rows])]
    return lines


def per_class(rows: list[Row], labels: list[str]) -> list[str]:
    """Recall and precision per class."""
    lines = ["| class | human n | recall | predicted n | precision |", "|---|---|---|---|---|"]
    for cls in LABELS.values():
        human = [p for r, p in zip(rows, labels, strict=True) if r.label == cls]
        said = [r for r, p in zip(rows, labels, strict=True) if p == cls]
        recall = sum(p == cls for p in human) / max(1, len(human))
        precision = sum(r.label == cls for r in said) / max(1, len(said))
        lines.append(f"| {cls} | {len(human)} | {recall:.3f} | {len(said)} | {precision:.3f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=XSTEST)
    parser.add_argument("--c", type=float, help="inverse regularisation (default: by CV)")
    parser.add_argument("--write", action="store_true", help="rewrite _refusal_model.py")
    parser.add_argument("--save", action="store_true", help="write results-train-<date>.md")
    args = parser.parse_args(argv)

    rows = development(args.data)
    x = np.array([_refusal.features(r.response, r.prompt) for r in rows])
    print(f"{len(rows)} labelled rows, {x.shape[1]} features")
    lines = ["## Held out by family (fitted on every other family)", "", *held_out(x, rows, args.c)]
    dev = np.array([r.split in ("xstest", "dev") for r in rows])
    split_models = train(x[dev], [r for r, d in zip(rows, dev, strict=True) if d], args.c)
    test_rows = [r for r, d in zip(rows, dev, strict=True) if not d]
    lines += [
        "",
        "## Fitted on XSTest and the dev split, measured on the test split",
        "",
        HEADER,
        _line("test split", test_rows, predict(split_models, x[~dev])),
    ]
    models = train(x, rows, args.c, quiet=False)
    lines += ["", "## Final decisions (fitted on every row), in sample", "", HEADER]
    final = predict(models, x)
    for source in sorted({r.source for r in rows}):
        pick = [i for i, r in enumerate(rows) if r.source == source]
        lines.append(_line(source, [rows[i] for i in pick], [final[i] for i in pick]))
    print("\n".join(lines))
    if args.write:
        MODEL.write_text(_module(models), encoding="utf-8")
        print(f"wrote {MODEL}", file=sys.stderr)
    if args.save:
        out = HERE / f"results-train-{dt.date.today().isoformat()}.md"
        out.write_text("# Refusal decisions: held-out agreement\n\n" + "\n".join(lines) + "\n")
        print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""PII scanning throughput on ~500-character outputs, and Presidio's for comparison.

Usage:
    .venv/bin/python bench/pii/run.py [--presidio]

The texts are generated here (synthetic prose with and without planted PII), so nothing
outside the project is needed. ``--presidio`` also times Presidio's AnalyzerEngine with
its pattern recognizers on a blank spaCy pipeline (no model download), if installed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

from clearance.evals.scorers import detect_pii, redact

_PROSE = (
    "the release candidate answered every question about billing refunds and shipping "
    "policy in a friendly tone while the baseline model hesitated on edge cases such as "
    "partial returns international orders or damaged parcels customers asked about"
)
WORDS = _PROSE.split()
PII = [
    "jane.roe@example.org",
    "+44 20 7946 0958",
    "(415) 555-2671",
    "4111 1111 1111 1111",
    "536-22-1234",
    "AB 12 34 56 C",
    "DE89 3704 0044 0532 0130 00",
    "10.20.30.40",
    "AKIAABCDEFGHIJKLMNOP",
]


def make_texts(n: int, pii_share: float, seed: int = 7) -> list[str]:
    """``n`` texts of about 500 characters; ``pii_share`` of them carry 1-3 PII items."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        words = [rng.choice(WORDS) for _ in range(80)]
        if rng.random() < pii_share:
            for _ in range(rng.randint(1, 3)):
                words.insert(rng.randrange(len(words)), rng.choice(PII))
        texts.append(" ".join(words)[:500])
    return texts


def throughput(scan: Callable[[str], object], texts: list[str], seconds: float = 2.0) -> float:
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for text in texts:
            scan(text)
        done += len(texts)
    return done / elapsed


def presidio_scanner() -> Callable[[str], object]:
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class BlankEngine(SpacyNlpEngine):  # type: ignore[misc]
        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    analyzer = AnalyzerEngine(nlp_engine=BlankEngine(), supported_languages=["en"])
    return lambda text: analyzer.analyze(text, language="en")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presidio", action="store_true")
    args = parser.parse_args(argv)
    for share in (0.0, 0.3, 1.0):
        texts = make_texts(500, share)
        print(
            f"texts with PII {share:>4.0%}: detect_pii {throughput(detect_pii, texts):>9,.0f}"
            f" outputs/s   redact {throughput(redact, texts):>9,.0f} outputs/s"
        )
    if args.presidio:
        texts = make_texts(200, 0.3)
        scan = presidio_scanner()
        print(
            f"presidio (pattern recognizers, blank spaCy), 30% with PII: "
            f"{throughput(scan, texts, 5.0):,.0f} outputs/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

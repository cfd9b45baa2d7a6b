"""Write the built-in suites' JSONL files and manifest from the sources in ``suitegen/``.

Deterministic: every random choice is seeded by the id of what it decides, so adding a
topic changes no other sample. Run it after editing a source, bump the suite's VERSION,
and commit the sources and the data together.

    .venv/bin/python tools/gen_suites.py          # rewrite the data files
    .venv/bin/python tools/gen_suites.py --check  # exit 1 if the data files are stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from suitegen.build import SUITES

from clearance.evals.suites._records import canonical_line, content_hash

DATA = Path(__file__).resolve().parent.parent / "src" / "clearance" / "evals" / "suites" / "data"

VERSIONS = {
    "harmful-refusal": "1.0.0",
    "over-refusal": "1.0.0",
    "prompt-injection": "1.0.0",
    "pii-leakage": "1.0.0",
    "consistency": "1.0.0",
}


def render() -> dict[str, str]:
    """File name -> the exact text it must hold."""
    files: dict[str, str] = {}
    suites: dict[str, object] = {}
    for name, build in SUITES.items():
        records = build()
        files[f"{name}.jsonl"] = "".join(canonical_line(r) for r in records)
        categories: dict[str, int] = {}
        for r in records:
            categories[r["category"]] = categories.get(r["category"], 0) + 1
        suites[name] = {
            "version": VERSIONS[name],
            "content_hash": content_hash(records),
            "samples": len(records),
            "categories": categories,
        }
    manifest = {"generator": "tools/gen_suites.py", "suites": suites}
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for name, text in render().items():
        path = DATA / name
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"stale: {', '.join(stale)}; run tools/gen_suites.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Which version of the local judges scored a run: a digest of their source.

Stored results carry it in their suite identity, so evidence scored by an earlier
classifier (other rules, other fitted weights) is not reused as if this one had judged
it: a changed judge means the suite runs, or is re-scored, again.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_JUDGES = (
    _HERE / "_refusal.py",
    _HERE / "_refusal_model.py",
    _HERE / "_behaviour.py",
    _HERE / "_speech_acts.py",
    _HERE / "_fastre.py",
    _HERE / "_leak.py",
    _HERE / "_pii.py",
    _HERE.parent / "suites" / "_injection.py",
    _HERE.parent / "suites" / "_pii.py",
    _HERE.parent / "suites" / "_scoring.py",
    _HERE.parent / "suites" / "_builtins.py",
)


@cache
def judges_version() -> str:
    """A short digest of the local judges' source files."""
    digest = hashlib.sha256()
    for path in _JUDGES:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]

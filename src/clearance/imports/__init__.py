"""Evidence from the tools teams already run: Inspect, lm-evaluation-harness, promptfoo
and DeepEval result files read as clearance runs, paired candidate against baseline by
each tool's own item keys."""

from clearance.imports._model import TOOLS, ImportedItem, ImportedTask, Tool
from clearance.imports._pair import Pairing, key_of, pair
from clearance.imports._read import detect, read_task, read_tasks
from clearance.imports._store import (
    ImportedRun,
    ImportedSuiteRuns,
    import_suites,
    primary_scorer,
    provenance,
)

__all__ = [
    "TOOLS",
    "ImportedItem",
    "ImportedRun",
    "ImportedSuiteRuns",
    "ImportedTask",
    "Pairing",
    "Tool",
    "detect",
    "import_suites",
    "key_of",
    "pair",
    "primary_scorer",
    "provenance",
    "read_task",
    "read_tasks",
]

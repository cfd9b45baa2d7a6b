"""What ``clearance eval`` does, without importing the whole CLI package: load the policy,
open the store, run, print the summary. Used by bench.py to time the engine itself.

Usage: run_clearance.py POLICY DB_URL [LIMIT]
"""

import sys

from clearance.evals import EvalConfig, evaluate
from clearance.policy import load_policy
from clearance.store import open_store

limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
store = open_store(sys.argv[2])
(summary,) = evaluate(load_policy(sys.argv[1]), store, EvalConfig(concurrency=64, limit=limit))
store.close()
print(summary)
sys.exit(0 if summary.passed == summary.total else 1)

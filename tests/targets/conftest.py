import sys
from pathlib import Path

# The scripted HTTP server lives with the eval tests; the target tests use it too.
sys.path.insert(0, str(Path(__file__).parents[1] / "evals"))

"""The ``clearance`` CLI with ``eval`` registered, for the benchmark until the lead wires it."""

import sys

from clearance.cli import app, run
from clearance.cli._eval_cmds import eval_cmd

if not any(c.name == "eval" for c in app.registered_commands):
    app.command("eval")(eval_cmd)

if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

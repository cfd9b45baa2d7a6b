"""The Typer application: registers each command module. Parsing and printing only."""

from __future__ import annotations

import typer

from clearance.cli import (
    _audit_cmds,
    _check_cmds,
    _demo,
    _eval_cmds,
    _gov_cmds,
    _ingest_cmds,
    _ops_cmds,
    _policy_cmds,
    _release_cmds,
    _rollout,
    _serve_cmds,
)

app = typer.Typer(
    name="clearance",
    help="Release checks, cards, approvals and staged rollout for models and AI systems.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(_policy_cmds.init)
app.command()(_policy_cmds.validate)
app.command()(_policy_cmds.schema)
app.command("eval")(_eval_cmds.eval_cmd)
app.command()(_check_cmds.check)
app.add_typer(_check_cmds.card_app, name="card")
app.add_typer(_audit_cmds.audit_app, name="audit")
app.add_typer(_rollout.rollout_app, name="rollout")
app.command()(_gov_cmds.approve)
app.command("approvals")(_gov_cmds.approvals_cmd)
app.command()(_gov_cmds.waive)
app.add_typer(_gov_cmds.user_app, name="user")
app.add_typer(_ops_cmds.tools_app, name="tools")
app.add_typer(_ops_cmds.incident_app, name="incident")
app.add_typer(_ops_cmds.keys_app, name="keys")
app.add_typer(_ops_cmds.data_app, name="data-requests")
app.add_typer(_release_cmds.release_app, name="release")
app.command()(_serve_cmds.serve)
app.command("ingest")(_ingest_cmds.ingest_cmd)
app.command()(_demo.demo)

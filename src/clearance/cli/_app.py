"""The Typer application: registers each command module. Parsing and printing only."""

from __future__ import annotations

from typing import Annotated

import typer

from clearance.cli import (
    _audit_cmds,
    _card_cmds,
    _check_cmds,
    _demo,
    _eval_cmds,
    _gov_cmds,
    _import_cmds,
    _ingest_cmds,
    _ops_cmds,
    _ops_lists,
    _policy_cmds,
    _release_cmds,
    _rollout,
    _serve_cmds,
)
from clearance.cli._common import configure_output, out
from clearance.cli._help import PlainHelpGroup
from clearance.cli._infer import infer_card_format, infer_check_format

_LISTINGS = _ops_lists  # its commands register themselves on the _ops_cmds groups

app = typer.Typer(
    name="clearance",
    help="Release checks, cards, approvals and staged rollout for models and AI systems.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=PlainHelpGroup,
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out(f"clearance {version('clearance')}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Print only errors and the data asked for."),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Print more detail: debug logs, tracebacks."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the installed version and exit.",
        ),
    ] = False,
) -> None:
    """Release checks, cards, approvals and staged rollout for models and AI systems."""
    configure_output(quiet=quiet, verbose=verbose)
    if ctx.invoked_subcommand in _POLICY_ONLY:
        return  # they record nothing: no need to load governance (and the store)
    from clearance.governance import acting_through

    # On a local store the acting name (--as) is only claimed: entries say so.
    ctx.with_resource(acting_through("cli", authenticated=False))


_POLICY_ONLY = frozenset({"init", "validate", "schema", "import"})
"""Commands that read or write the policy file only, never the store."""


app.command()(_policy_cmds.init)
app.command()(_policy_cmds.validate)
app.command()(_policy_cmds.schema)
app.command("eval")(_eval_cmds.eval_cmd)
app.command()(infer_check_format(_check_cmds.check))
infer_card_format(_card_cmds.card_app)
app.add_typer(_card_cmds.card_app, name="card")
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
app.command("import")(_import_cmds.import_cmd)
app.command()(_demo.demo)

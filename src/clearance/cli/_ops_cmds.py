"""``clearance tools``, ``incident``, ``keys`` and ``data-requests``: shells over governance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._check_cmds import AsOpt, actor
from clearance.cli._common import (
    DEFAULT_POLICY,
    DbOpt,
    LazyModule,
    PolicyOpt,
    out,
    policy_at,
    store_at,
)
from clearance.cli._remote import remote

if TYPE_CHECKING:
    from clearance import governance
else:
    governance = LazyModule("clearance.governance")


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why; kept in the audit log.")]
CheckOpt = Annotated[bool, typer.Option("--check", help="Exit 1 if any item is overdue.")]


def _day(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else "-"


tools_app = typer.Typer(help="Kill switches for the system's tools.", no_args_is_help=True)


@tools_app.command("disable")
def tools_disable(
    name: str,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    reason: ReasonOpt = "",
    as_: AsOpt = None,
) -> None:
    """Switch a tool off at once (disable_tools owners only)."""
    with store_at(db) as store:
        governance.disable_tool(store, policy_at(policy), name, actor(as_), reason=reason)
    out(f"tool {name} disabled")


@tools_app.command("enable")
def tools_enable(
    name: str,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    reason: ReasonOpt = "",
    as_: AsOpt = None,
) -> None:
    """Switch a tool back on (disable_tools owners only)."""
    with store_at(db) as store:
        governance.enable_tool(store, policy_at(policy), name, actor(as_), reason=reason)
    out(f"tool {name} enabled")


incident_app = typer.Typer(
    help="Incidents: report, review and confirm, close. A high or critical incident blocks "
    "a rollout once a review_incidents owner opened or confirmed it.",
    no_args_is_help=True,
)


@incident_app.command("open")
def incident_open(
    release: str,
    title: Annotated[str, typer.Option("--title", help="What happened, in a few words.")],
    severity: Annotated[str, typer.Option(help="low, medium, high or critical.")] = "medium",
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    as_: AsOpt = None,
) -> None:
    """Report an incident against a release. Anyone may; it is confirmed at once (and, if
    high or critical, blocks the rollout) only when you hold review_incidents."""
    server = remote(as_)
    if server is not None:
        body = {"release": release, "severity": severity, "title": title}
        done = server.call("POST", "/v1/incidents", body)
        state = "confirmed" if done.get("confirmed") else "reported, awaiting confirmation"
        out(f"incident {done['id']} opened ({severity}) on {release}: {state}")
        return
    loaded = policy_at(policy)
    with store_at(db) as store:
        row = governance.open_incident(store, loaded, release, severity, title, actor(as_))
        confirmed = governance.is_confirmed(loaded, row)
    state = "confirmed" if confirmed else "reported, awaiting confirmation by review_incidents"
    out(f"incident {row.id} opened ({severity}) on {release}: {state}")


@incident_app.command("review")
def incident_review(
    incident: int,
    note: Annotated[str, typer.Option("--note", help="What the review found.")] = "",
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm",
            help="Confirm the incident (review_incidents owners only): a high or critical "
            "one then blocks the rollout until it is closed.",
        ),
    ] = False,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    as_: AsOpt = None,
) -> None:
    """Record a review (triage note) of an open incident; --confirm also confirms it. A
    review without --confirm never confirms, whoever writes it."""
    server = remote(as_)
    if server is not None:
        body = {"note": note, "confirm": confirm}
        done = server.call("POST", f"/v1/incidents/{incident}/review", body)
        out(f"incident {incident} under review{' (confirmed)' if done.get('confirmed') else ''}")
        return
    loaded = policy_at(policy)
    with store_at(db) as store:
        row = governance.review_incident(store, loaded, incident, actor(as_), note, confirm=confirm)
        confirmed = governance.is_confirmed(loaded, row)
    out(f"incident {incident} under review{' (confirmed)' if confirmed else ''}")


@incident_app.command("close")
def incident_close(
    incident: int,
    resolution: Annotated[str, typer.Option("--resolution", help="How it was resolved.")] = "",
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    as_: AsOpt = None,
) -> None:
    """Close an incident (review_incidents owners only)."""
    server = remote(as_)
    if server is not None:
        server.call("POST", f"/v1/incidents/{incident}/close", {"note": resolution})
        out(f"incident {incident} closed")
        return
    with store_at(db) as store:
        governance.close_incident(store, policy_at(policy), incident, actor(as_), resolution)
    out(f"incident {incident} closed")


keys_app = typer.Typer(help="The provider-key rotation register.", no_args_is_help=True)


@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="A label for the key, never the key itself.")],
    owner: Annotated[str, typer.Option(help="Who is responsible for rotating it.")],
    max_age_days: Annotated[int, typer.Option(help="Rotate at least this often.")] = 90,
    last_rotated: Annotated[
        str | None, typer.Option(help="When it was last rotated (default: now).")
    ] = None,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    as_: AsOpt = None,
) -> None:
    """Register a provider key (rotate_provider_keys owners only)."""
    when = governance.parse_when(last_rotated, end_of_day=False) if last_rotated else None
    with store_at(db) as store:
        governance.add_provider_key(
            store, policy_at(policy), name, owner, max_age_days, actor(as_), last_rotated=when
        )
    out(f"key {name} registered, rotate every {max_age_days} days")


@keys_app.command("rotate")
def keys_rotate(
    name: str, policy: PolicyOpt = DEFAULT_POLICY, db: DbOpt = None, as_: AsOpt = None
) -> None:
    """Record that a key was rotated now (rotate_provider_keys owners only)."""
    with store_at(db) as store:
        row = governance.rotate_provider_key(store, policy_at(policy), name, actor(as_))
    out(f"key {name} rotated; next due {_day(governance.key_due(row))}")


data_app = typer.Typer(help="The user data-request register.", no_args_is_help=True)


@data_app.command("add")
def data_add(
    request_id: Annotated[str, typer.Argument(help="Ticket reference; no personal data.")],
    kind: Annotated[str, typer.Option(help="access, deletion, correction, ...")] = "access",
    received: Annotated[str | None, typer.Option(help="Date received (default: now).")] = None,
    due: Annotated[str | None, typer.Option(help="Due date (default: received + 30d).")] = None,
    db: DbOpt = None,
    as_: AsOpt = None,
) -> None:
    """Record a user data request as it arrives."""
    got = governance.parse_when(received, end_of_day=False) if received else None
    until = governance.parse_when(due) if due else None
    with store_at(db) as store:
        row = governance.add_data_request(
            store, request_id, kind, actor(as_), received=got, due=until
        )
    out(f"data request {request_id} recorded, due {_day(row.due_at)}")


@data_app.command("close")
def data_close(
    request_id: str, policy: PolicyOpt = DEFAULT_POLICY, db: DbOpt = None, as_: AsOpt = None
) -> None:
    """Mark a data request answered (handle_data_requests owners only)."""
    with store_at(db) as store:
        governance.close_data_request(store, policy_at(policy), request_id, actor(as_))
    out(f"data request {request_id} closed")

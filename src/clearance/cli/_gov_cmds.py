"""``clearance approve``, ``approvals``, ``waive`` and ``user``: shells over governance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import typer

from clearance.cli._check_cmds import AsOpt, actor
from clearance.cli._common import (
    DEFAULT_POLICY,
    DbOpt,
    FormatOpt,
    LazyModule,
    ListFormat,
    PolicyOpt,
    emit_listing,
    err,
    out,
    policy_at,
    stdout_console,
    store_at,
)
from clearance.cli._remote import Remote, release_path, remote
from clearance.cli._safe import SafeTable as Table
from clearance.errors import UsageError

if TYPE_CHECKING:
    from clearance import governance
else:
    governance = LazyModule("clearance.governance")


RoleOpt = Annotated[
    str, typer.Option("--role", "-r", help="The duty you approve in, e.g. approve_changes.")
]


def show(table: Table) -> None:
    """Print a table to stdout: in a terminal long cells wrap, elsewhere nothing does."""
    stdout_console().print(table)


def _utc(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="seconds")


def approve(
    release: Annotated[str, typer.Argument(help="Release name, e.g. support-bot@v2.")],
    role: RoleOpt,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    as_: AsOpt = None,
) -> None:
    """Approve a release in a role; the approval lapses when its evidence changes."""
    server = remote(as_)
    if server is not None:
        done = server.call("POST", release_path(release, "approvals"), {"role": role})
        out(f"{done['approver']} approved {release} as {done['role']} via {server.base}")
        return
    loaded, who = policy_at(policy), actor(as_)
    with store_at(db) as store:
        info = governance.approve(store, loaded, release, role, who)
        missing = governance.missing_approvals(store, loaded, release, [info.role])
    out(f"{who} approved {release} as {info.role} (content {info.content_hash[:12]})")
    for line in missing:
        err.print(f"still missing: {line}")


def approvals_cmd(
    release: Annotated[str, typer.Argument(help="Release name.")],
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    require: Annotated[
        list[str] | None,
        typer.Option("--require", help="Exit 1 unless this duty's approvals are all in."),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Include voided approvals.")] = False,
    fmt: FormatOpt = ListFormat.table,
) -> None:
    """List a release's approvals; with --require, exit 1 while some are missing.

    JSON: {release, approvals: [{role, approver, created_at, content_hash, valid}],
    missing: [text]}."""
    with store_at(db) as store:
        rows = governance.approvals(store, release, valid_only=not show_all)
        missing = (
            governance.missing_approvals(store, policy_at(policy), release, require)
            if require
            else []
        )
    records = [
        {
            "role": a.role,
            "approver": a.approver,
            "created_at": _utc(a.created_at),
            "content_hash": a.content_hash,
            "valid": a.valid,
        }
        for a in rows
    ]
    data = {"release": release, "approvals": records, "missing": missing}
    emit_listing(fmt, data, lambda: _approvals_table(records))
    if fmt is ListFormat.table:
        for line in missing:
            out(f"missing: {line}")
    if missing:
        raise typer.Exit(1)


def _approvals_table(records: list[dict[str, Any]]) -> Table:
    table = Table("role", "approver", "when (UTC)", "content", "status")
    for a in records:
        status = "valid" if a["valid"] else "void (evidence changed)"
        when = a["created_at"][:19].replace("T", " ")
        table.add_row(a["role"], a["approver"], when, a["content_hash"][:12], status)
    return table


def waive(
    release: Annotated[str, typer.Argument(help="Release name.")],
    area: Annotated[
        str, typer.Argument(help="Checklist area, e.g. latency (with --revoke: or a waiver id).")
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Why this is acceptable (or, revoking, why not).")
    ],
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="ISO date or datetime, or a duration like 14d."),
    ] = None,
    revoke: Annotated[
        bool,
        typer.Option(
            "--revoke", help="Revoke the area's waivers in force (or the waiver with that id)."
        ),
    ] = False,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    as_: AsOpt = None,
) -> None:
    """Waive a failing area until it expires, or --revoke a waiver; only the owner of its
    duty may."""
    if expires is None and not revoke:
        raise UsageError("a waiver needs an expiry", fix="pass --expires 14d (or a date)")
    server = remote(as_)
    if server is not None:
        _waive_remotely(server, release, area, reason, expires, revoke)
        return
    loaded, who = policy_at(policy), actor(as_)
    if revoke:
        with store_at(db) as store:
            gone = governance.revoke_waiver(store, loaded, release, area, who, reason)
        for row in gone:
            out(f"{who} revoked waiver {row.id} ({row.area} of {release}, given by {row.owner})")
        return
    assert expires is not None
    with store_at(db) as store:
        info = governance.waive(store, loaded, release, area, who, reason, expires)
    out(f"{who} waived {area} of {release} as {info.role} until {info.expires}")


def _waive_remotely(
    server: Remote, release: str, area: str, reason: str, expires: str | None, revoke: bool
) -> None:
    if not revoke:
        body = {"area": area, "reason": reason, "expires": expires}
        done = server.call("POST", release_path(release, "waivers"), body)
        out(f"{done['owner']} waived {area} of {release} until {done['expires_at']}")
        return
    if not area.isdigit():
        raise UsageError(
            "through the server, --revoke takes the waiver's id",
            fix=f"see GET {release_path(release, 'waivers')} for the ids",
        )
    done = server.call("POST", release_path(release, "waivers", area, "revoke"), {"reason": reason})
    out(f"revoked waiver {done['id']} ({done['area']} of {release})")


user_app = typer.Typer(help="Users and their API tokens for the server.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The user's name, as in the policy's owners.")],
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    replace: Annotated[bool, typer.Option(help="Issue a new token to an existing user.")] = False,
    as_: AsOpt = None,
) -> None:
    """Create a user and print their API token once (only its hash is stored). Needs the
    ``manage_users`` duty."""
    server = remote(as_)
    if server is not None:
        token = server.call("POST", "/v1/users", {"name": name, "replace": replace})["token"]
    else:
        with store_at(db) as store:
            token = governance.add_user(store, policy_at(policy), name, actor(as_), replace=replace)
    out(token)
    err.print(f"token for {name} shown once; store it now (send as 'Authorization: Bearer ...')")


@user_app.command("revoke")
def user_revoke(
    name: Annotated[str, typer.Argument(help="The user whose token stops working.")],
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    as_: AsOpt = None,
) -> None:
    """Revoke a user's API token (and end their dashboard sessions). Needs the
    ``manage_users`` duty."""
    server = remote(as_)
    if server is not None:
        server.call("POST", f"/v1/users/{quote(name, safe='')}/revoke")
    else:
        with store_at(db) as store:
            governance.remove_user(store, policy_at(policy), name, actor(as_))
    out(f"revoked {name}")


@user_app.command("list")
def user_list(db: DbOpt = None, fmt: FormatOpt = ListFormat.table) -> None:
    """List users and whether their token is active. JSON: [{name, token_active}]."""
    with store_at(db) as store:
        rows = governance.users(store)
    records = [{"name": name, "token_active": active} for name, active in rows]
    emit_listing(fmt, records, lambda: _users_table(records))


def _users_table(records: list[dict[str, Any]]) -> Table:
    table = Table("user", "token")
    for r in records:
        table.add_row(r["name"], "active" if r["token_active"] else "revoked")
    return table

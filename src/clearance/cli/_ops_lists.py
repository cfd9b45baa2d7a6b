"""The registers' listings: ``tools list``, ``incident list``, ``keys list`` and
``data-requests list``, as a table or as JSON (``--format json``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clearance.cli._common import (
    DEFAULT_POLICY,
    DbOpt,
    FormatOpt,
    LazyModule,
    ListFormat,
    emit_listing,
    err,
    out,
    policy_at,
    store_at,
)
from clearance.cli._ops_cmds import (
    CheckOpt,
    _day,
    data_app,
    incident_app,
    keys_app,
    tools_app,
)
from clearance.cli._safe import SafeTable as Table
from clearance.common import utc

if TYPE_CHECKING:
    from clearance import governance
    from clearance.policy import Policy
    from clearance.store import IncidentRecord
else:
    governance = LazyModule("clearance.governance")


def _iso(moment: datetime | None) -> str | None:
    return utc(moment).isoformat(timespec="seconds") if moment else None


def _when(iso: str | None) -> str:
    return _day(datetime.fromisoformat(iso)) if iso else "-"


@tools_app.command("list")
def tools_list(db: DbOpt = None, fmt: FormatOpt = ListFormat.table) -> None:
    """Tools that were ever switched, and their state now.

    JSON: [{tool, disabled, changed_by, changed_at, reason}]."""
    with store_at(db) as store:
        rows = governance.tool_switches(store)
    records = [
        {
            "tool": r.name,
            "disabled": r.disabled,
            "changed_by": r.changed_by,
            "changed_at": _iso(r.changed_at),
            "reason": r.reason,
        }
        for r in rows
    ]
    emit_listing(fmt, records, lambda: _tools_table(records))


def _tools_table(records: list[dict[str, Any]]) -> Table:
    table = Table("tool", "state", "by", "when (UTC)", "reason")
    for r in records:
        state = "DISABLED" if r["disabled"] else "enabled"
        table.add_row(r["tool"], state, r["changed_by"], _when(r["changed_at"]), r["reason"])
    return table


@incident_app.command("list")
def incident_list(
    release: Annotated[str | None, typer.Option(help="Only this release.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only incidents not closed.")] = False,
    policy: Annotated[
        Path | None,
        typer.Option(
            "--policy",
            "-p",
            help="Policy naming the review_incidents owners (default: clearance.yaml if "
            "present), for the 'confirmed' column.",
            show_default=False,
        ),
    ] = None,
    db: DbOpt = None,
    fmt: FormatOpt = ListFormat.table,
) -> None:
    """List incidents, oldest first, with whether a review_incidents owner confirmed each
    (only confirmed high or critical incidents block a rollout).

    JSON: [{id, release, severity, status, confirmed, confirmed_by, title, opened_by,
    opened_at}]."""
    loaded = _optional_policy(policy)
    with store_at(db) as store:
        rows = governance.incidents(store, release, open_only=open_only)
    records = [_incident(loaded, r) for r in rows]
    emit_listing(fmt, records, lambda: _incidents_table(records))


def _incident(policy: Policy | None, row: IncidentRecord) -> dict[str, Any]:
    confirmed = governance.is_confirmed(policy, row)
    return {
        "id": row.id,
        "release": row.release,
        "severity": row.severity,
        "status": row.status,
        "confirmed": confirmed,
        "confirmed_by": (row.confirmed_by or row.opened_by) if confirmed else None,
        "title": row.title,
        "opened_by": row.opened_by,
        "opened_at": _iso(row.opened_at),
    }


def _incidents_table(records: list[dict[str, Any]]) -> Table:
    table = Table("id", "release", "severity", "status", "confirmed", "title", "opened by")
    for r in records:
        table.add_row(
            str(r["id"]),
            r["release"],
            r["severity"],
            r["status"],
            _confirmation(r),
            r["title"],
            r["opened_by"],
        )
    return table


def _confirmation(record: dict[str, Any]) -> str:
    if record["confirmed"]:
        return f"yes ({record['confirmed_by']})"
    return "no" if record["status"] == "closed" else "no: awaiting review_incidents"


def _optional_policy(path: Path | None) -> Policy | None:
    """The policy at ``path``; without one, ``clearance.yaml`` if it exists, else None."""
    if path is not None:
        return policy_at(path, require_env=False)
    if DEFAULT_POLICY.is_file():
        return policy_at(DEFAULT_POLICY, require_env=False)
    return None


@keys_app.command("list")
def keys_list(db: DbOpt = None, check: CheckOpt = False, fmt: FormatOpt = ListFormat.table) -> None:
    """List keys with their due dates; --check exits 1 when any is overdue.

    JSON: [{key, owner, last_rotated, max_age_days, due, overdue}]."""
    now = datetime.now(UTC)
    with store_at(db) as store:
        rows = governance.provider_keys(store)
    records = []
    for r in rows:
        due = governance.key_due(r)
        records.append(
            {
                "key": r.name,
                "owner": r.owner,
                "last_rotated": _iso(r.last_rotated),
                "max_age_days": r.max_age_days,
                "due": _iso(due),
                "overdue": due < now,
            }
        )
    emit_listing(fmt, records, lambda: _keys_table(records))
    overdue = sum(1 for r in records if r["overdue"])
    _overdue_exit(fmt, overdue, check, "key rotation", "clearance keys rotate NAME")


def _keys_table(records: list[dict[str, Any]]) -> Table:
    table = Table("key", "owner", "last rotated", "due", "state")
    for r in records:
        state = "OVERDUE" if r["overdue"] else "ok"
        table.add_row(r["key"], r["owner"], _when(r["last_rotated"]), _when(r["due"]), state)
    return table


@data_app.command("list")
def data_list(
    db: DbOpt = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only requests not closed.")] = False,
    check: CheckOpt = False,
    fmt: FormatOpt = ListFormat.table,
) -> None:
    """List data requests by due date; --check exits 1 when any open one is overdue.

    JSON: [{id, kind, received_at, due_at, closed_at, overdue}]."""
    now = datetime.now(UTC)
    with store_at(db) as store:
        rows = governance.data_requests(store, open_only=open_only)
    records = [
        {
            "id": r.id,
            "kind": r.kind,
            "received_at": _iso(r.received_at),
            "due_at": _iso(r.due_at),
            "closed_at": _iso(r.closed_at),
            "overdue": r.closed_at is None and utc(r.due_at) < now,
        }
        for r in rows
    ]
    emit_listing(fmt, records, lambda: _data_table(records))
    overdue = sum(1 for r in records if r["overdue"])
    _overdue_exit(fmt, overdue, check, "data request", "clearance data-requests close ID")


def _data_table(records: list[dict[str, Any]]) -> Table:
    table = Table("id", "kind", "received", "due", "state")
    for r in records:
        state = "closed" if r["closed_at"] else ("OVERDUE" if r["overdue"] else "open")
        table.add_row(r["id"], r["kind"], _when(r["received_at"]), _when(r["due_at"]), state)
    return table


def _overdue_exit(fmt: ListFormat, overdue: int, check: bool, what: str, fix: str) -> None:
    if overdue:
        line = f"{overdue} overdue {what}{'s' if overdue > 1 else ''}: run `{fix}`"
        (out if fmt is ListFormat.table else err.print)(line)  # JSON on stdout stays JSON
    if overdue and check:
        raise typer.Exit(1)

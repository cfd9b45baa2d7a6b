"""The audit log page: the chain's verification, then the entries a page at a time,
filtered by actor, action, subject, time and payload text in the database query.

Each row says whether it lies within the hash chain that verified and whether a
verified signed checkpoint covers it; a tampered chain's first bad entry is marked.
Each entry about a release links to the part of the release page it changed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from clearance import governance
from clearance.common import canonical_json
from clearance.server._queries import redacted
from clearance.server._schemas import VerificationOut
from clearance.server._state import ServerState, state_of
from clearance.server.web._render import page, user

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 100
MAX_TEXT = 400
"""The longest filter value taken (the subject column's width); longer ones are ignored."""
MAX_SEQ = 2**62
SHORT = 120
"""Values longer than this are cut, the whole value one click away in a ``<details>``."""

_ANCHORS = {
    "approval": "approvals",
    "approve": "approvals",
    "waiver": "approvals",
    "waive": "approvals",
    "revoke_waiver": "approvals",
    "incident": "approvals",
    "rollout": "rollout",
    "telemetry": "rollout",
    "check": "checklist",
}
"""The release page's section each action family changes (``denied.X`` uses X's)."""

_MOMENT = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)


# --- filters -----------------------------------------------------------------------------


@dataclass
class Filters:
    """The page's query: the raw values (to refill the form and build links) and what
    the database is asked; ``problems`` says which values were refused and why."""

    actor: str = ""
    action: str = ""
    subject: str = ""
    since: str = ""
    until: str = ""
    q: str = ""
    before: int | None = None
    after: int | None = None
    ts_from: str | None = None
    ts_before: str | None = None
    problems: list[str] = field(default_factory=list)

    def form(self) -> dict[str, str]:
        """The filter values that are set, as query parameters (no page cursor)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "from": self.since,
            "to": self.until,
            "q": self.q,
        }
        return {k: v for k, v in values.items() if v}

    def link(self, **extra: int | str) -> str:
        """This page's URL with the same filters and the given cursor or flag."""
        query = urlencode({**self.form(), **{k: str(v) for k, v in extra.items()}})
        return f"/ui/audit?{query}" if query else "/ui/audit"

    @property
    def filtered(self) -> bool:
        return bool(self.form())


def parse_filters(params: Mapping[str, str]) -> Filters:
    """Read the query string; a value that cannot be used is dropped with a message,
    never an error page."""
    found = Filters()
    for name in ("actor", "action", "subject", "q"):
        setattr(found, name, _text(params.get(name, ""), name, found.problems))
    found.since = _text(params.get("from", ""), "from", found.problems)
    found.until = _text(params.get("to", ""), "to", found.problems)
    found.ts_from = _moment(found.since, upper=False, problems=found.problems)
    found.ts_before = _moment(found.until, upper=True, problems=found.problems)
    if found.ts_from is None:
        found.since = ""
    if found.ts_before is None:
        found.until = ""
    found.before = _cursor(params.get("before", ""), "before", found.problems)
    found.after = _cursor(params.get("after", ""), "after", found.problems)
    if found.before is not None and found.after is not None:
        found.problems.append("both 'before' and 'after' were given; 'after' is ignored")
        found.after = None
    return found


def _text(value: str, name: str, problems: list[str]) -> str:
    value = value.strip()
    if len(value) > MAX_TEXT:
        problems.append(f"'{name}' is longer than {MAX_TEXT} characters and was ignored")
        return ""
    if any(ord(c) < 32 for c in value):
        problems.append(f"'{name}' holds control characters and was ignored")
        return ""
    return value


def _cursor(value: str, name: str, problems: list[str]) -> int | None:
    if not value:
        return None
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_SEQ:
        return int(value)
    problems.append(f"'{name}' must be an entry number (1 or more); it was ignored")
    return None


def _moment(value: str, *, upper: bool, problems: list[str]) -> str | None:
    """A ``from``/``to`` value as the stored ``ts`` text to compare with: ``from`` is
    the moment's start; ``to`` includes the whole day, minute or second it names, so
    the bound is the start of the next one. A moment without an offset is UTC."""
    if not value:
        return None
    match = _MOMENT.fullmatch(value)
    try:
        if match is None:
            raise ValueError(value)
        start = _parsed(match)
        bound = start + _precision(match) if upper else start
        return bound.astimezone(UTC).isoformat(timespec="microseconds")
    except (ValueError, OverflowError):
        label = "to" if upper else "from"
        problems.append(
            f"'{label}' is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM[:SS], UTC "
            "unless it has an offset); it was ignored"
        )
        return None


def _parsed(match: re.Match[str]) -> datetime:
    day, hour, minute, second, fraction, offset = match.groups()
    text = f"{day}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    if fraction:
        text += "." + fraction.ljust(6, "0")
    return datetime.fromisoformat(text + _offset(offset))


def _offset(offset: str | None) -> str:
    if offset is None or offset == "Z":
        return "+00:00"
    return offset if ":" in offset else f"{offset[:3]}:{offset[3:]}"


def _precision(match: re.Match[str]) -> timedelta:
    """The length of the span a moment names: a day, a minute, a second, or less."""
    _, hour, _, second, fraction, _ = match.groups()
    if fraction:
        return timedelta(microseconds=10 ** (6 - len(fraction)))
    if second:
        return timedelta(seconds=1)
    return timedelta(minutes=1) if hour else timedelta(days=1)


# --- one page of entries -----------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """One page of matching entries, newest first, and the cursors of its neighbours."""

    entries: list[governance.Entry]
    older: int | None
    """``before=`` for the next older page, None when there is none."""
    newer: int | None
    """``after=`` for the next newer page, None when this is the newest."""


def window(state: ServerState, query: Filters, size: int = PAGE_SIZE) -> Window:
    """The page ``query`` asks for, read with the filters in the database: ``size + 1``
    rows in the walking direction (is there more?) and one the other way."""
    if query.after is not None:
        rows = _search(state, query, after=query.after, limit=size + 1, newest_first=False)
        newer = rows[size - 1].seq if len(rows) > size else None
        rows = rows[:size][::-1]
        bottom = rows[-1].seq if rows else query.after + 1
        return Window(rows, bottom if _any(state, query, before=bottom) else None, newer)
    rows = _search(state, query, before=query.before, limit=size + 1, newest_first=True)
    older = rows[size - 1].seq if len(rows) > size else None
    rows = rows[:size]
    newer = None
    if query.before is not None:
        top = rows[0].seq if rows else query.before - 1
        newer = top if _any(state, query, after=top) else None
    return Window(rows, older, newer)


def _any(state: ServerState, query: Filters, **cursor: int) -> bool:
    first = "after" in cursor
    return bool(_search(state, query, limit=1, newest_first=not first, **cursor))


def _search(state: ServerState, query: Filters, **page_args: Any) -> list[governance.Entry]:
    prefix = _prefix(query.action)
    return governance.search_entries(
        state.store,
        actor=query.actor or None,
        action=None if prefix or not query.action else query.action,
        action_prefix=prefix,
        subject=query.subject or None,
        ts_from=query.ts_from,
        ts_before=query.ts_before,
        text=query.q or None,
        **page_args,
    )


def _prefix(action: str) -> str | None:
    """``rollout.`` or ``rollout.*`` filter by prefix; anything else is one action."""
    if action.endswith(".*"):
        return action[:-1]
    return action if action.endswith(".") else None


# --- rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One payload field: ``short`` is shown; ``full`` (the whole value) when cut."""

    key: str
    short: str
    full: str | None = None


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    aria: str


@dataclass(frozen=True)
class Check:
    """Where a row stands in the verification: ``state`` is ``chain`` (within the
    chain that verified), ``bad`` (the first entry that did not), ``after`` (past the
    break, so unverified) or ``new`` (appended after the walk). ``signed`` is
    ``signed`` when a verified signed checkpoint covers it and the chain holds up to it,
    ``void`` when a checkpoint covers it but the chain breaks at or before it (the
    signature then vouches for nothing here), ``unsigned`` past the last verified
    checkpoint, and None when the server does not check signatures."""

    state: str
    signed: str | None


@dataclass(frozen=True)
class Row:
    seq: int
    ts: str
    time: str
    actor: str
    action: str
    subject: str
    values: list[Value]
    links: list[Link]
    check: Check


def check_of(seq: int, v: VerificationOut) -> Check:
    """Where entry ``seq`` stands in the verdict ``v`` (see :class:`Check`)."""
    bad = v.first_bad
    chained = seq <= v.head_seq and (bad is None or seq < bad)
    if chained:
        state = "chain"
    elif bad is not None and seq == bad:
        state = "bad"
    else:
        state = "after" if bad is not None and seq > bad else "new"
    if not v.signed:
        return Check(state, None)
    if seq > (v.covered_seq or 0):
        return Check(state, "unsigned")
    return Check(state, "signed" if chained else "void")


def values_of(payload: Mapping[str, Any]) -> list[Value]:
    """The payload as ``key: value`` pairs, nested objects flattened to dotted keys
    and how the actor was identified last."""
    pairs = list(_flat("", payload))
    pairs.sort(key=lambda kv: kv[0].startswith(governance.IDENTITY_KEY + "."))
    return [_value(key, text) for key, text in pairs]


def _flat(prefix: str, value: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            yield from _flat(name + ".", item)
        else:
            yield name, _shown(item)


def _shown(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, list) and all(isinstance(i, str) for i in item):
        return "; ".join(item) if item else "(none)"
    return canonical_json(item)


def _value(key: str, text: str) -> Value:
    if len(text) <= SHORT:
        return Value(key, text)
    return Value(key, text[: SHORT - 20].rstrip() + " …", text)


def links_of(entry: governance.Entry, releases: set[str]) -> list[Link]:
    """Where to see what ``entry`` changed: its release's page at the section its
    action family changes. Subjects that are not releases (users, keys, tools, data
    requests) have no page, so no link."""
    family = entry.action.removeprefix("denied.").split(".")[0]
    anchor = _ANCHORS.get(family)
    names = _subjects(entry)
    found = []
    for name in names:
        if name not in releases:
            continue
        section = anchor or "release"
        href = f"/ui/releases/{quote(name, safe='@')}" + (f"#{anchor}" if anchor else "")
        found.append(Link(href, section, f"{section} of {name}"))
    return found


def _subjects(entry: governance.Entry) -> list[str]:
    """The release names an entry is about: a telemetry batch names several."""
    if entry.action == "telemetry.ingested":
        return [s for s in entry.subject.split(",") if s and not s.startswith("+")]
    return [entry.subject] if entry.subject else []


def known_releases(state: ServerState, entries: Iterable[governance.Entry]) -> set[str]:
    """Which of the names the entries are about are releases in the store."""
    names = {name for e in entries for name in _subjects(e)}
    with state.store.transaction() as tx:
        return {name for name in names if tx.releases.find(name) is not None}


def rows_of(
    state: ServerState, entries: list[governance.Entry], verdict: VerificationOut, q: str
) -> list[Row]:
    """The table's rows, secrets redacted. With payload text ``q``, an entry whose
    payload matched only in a secret the redaction masks is left out, so the filter
    cannot be used to guess a secret."""
    releases = known_releases(state, entries)
    needle = canonical_json(q)[1:-1].lower() if q else ""
    rows = []
    for e in entries:
        payload = redacted(state, e.payload)
        if needle and needle not in canonical_json(payload).lower():
            continue
        rows.append(_row(e, payload, releases, verdict))
    return rows


def _row(
    e: governance.Entry, payload: dict[str, Any], releases: set[str], v: VerificationOut
) -> Row:
    return Row(
        seq=e.seq,
        ts=e.ts,
        time=e.ts[:19].replace("T", " "),
        actor=e.actor,
        action=e.action,
        subject=e.subject,
        values=values_of(payload),
        links=links_of(e, releases),
        check=check_of(e.seq, v),
    )


# --- the page ----------------------------------------------------------------------------


def action_groups(actions: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The actions in the log grouped by family (the part before the first dot), for
    the filter's choices: a family of dotted actions can be picked as a whole."""
    groups: dict[str, list[str]] = {}
    for action in actions:
        family = action.split(".")[0] + "." if "." in action else ""
        groups.setdefault(family, []).append(action)
    return sorted(groups.items())


def _choices(state: ServerState) -> dict[str, Any]:
    """What the filter form offers: the actions and actors in the log, the releases."""
    with state.store.transaction() as tx:
        actions = tx.audit.actions()
        actors = tx.audit.actors()
        releases = [item.release.name for item in tx.releases.listing(200, 0)]
    groups = action_groups(actions)
    return {"actions": actions, "groups": groups, "actors": actors, "releases": releases}


@router.get("/ui/audit")
def audit(request: Request) -> HTMLResponse:
    """The verdict of ``GET /v1/audit/verify`` (only the entries added since the last
    look are hashed, every one with ``?full=true``), the filter form, and one page of
    matching entries, newest first."""
    from clearance.server.api.audit import verification

    who = user(request)
    state: ServerState = state_of(request)
    query = parse_filters(request.query_params)
    full = request.query_params.get("full", "") in ("true", "1", "yes")
    verdict = verification(state, full=full)
    found = window(state, query)
    choices = _choices(state)
    listed = _listed(query.action, choices["actions"])
    if query.action and not _known(query.action, choices["actions"]):
        query.problems.append(f"no entry has the action '{query.action}'")
    rows = rows_of(state, found.entries, verdict, query.q)
    context: dict[str, Any] = {"who": who, "verification": verdict, "rows": rows, "query": query}
    return page(request, "audit.html.j2", window=found, action_listed=listed, **context, **choices)


def _listed(action: str, actions: list[str]) -> bool:
    """Whether the form's choices hold ``action``: one action, or a family's prefix."""
    prefix = _prefix(action)
    if prefix is None:
        return action in actions
    return prefix.count(".") == 1 and _known(action, actions)


def _known(action: str, actions: list[str]) -> bool:
    """Whether any entry in the log has ``action`` (or, for a prefix, one under it)."""
    prefix = _prefix(action)
    return any(a.startswith(prefix) for a in actions) if prefix else action in actions

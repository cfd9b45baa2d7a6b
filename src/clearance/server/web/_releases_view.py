"""The releases list's read model: one page of releases with their decision, rollout
(status, stage, weight, last change) and open incidents, read in one transaction with
a fixed number of queries whatever the page's length, and the filters and sort it was
asked for, parsed so that a hostile or unknown query string is a message, never a 500."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from clearance.policy import SEVERITIES
from clearance.server._state import ServerState
from clearance.store import IncidentRecord, Tx

if TYPE_CHECKING:
    from clearance.store import ReleasePage, ReleaseRollout

PAGE_SIZE = 100
"""Releases per page."""
MAX_TEXT = 200
"""The longest search text taken (a release name is at most 200 characters)."""
DECISIONS = ("cleared", "blocked", "open")
"""What a release's decision can be: a check's answer, or ``open`` before one."""
ROLLOUT_STATUSES = ("not_started", "running", "paused", "rolled_back", "completed")
"""What a release's rollout can be (``not_started``: it has none yet)."""
COLUMNS = {
    "name": "asc",
    "decision": "asc",
    "rollout": "asc",
    "transition": "desc",
    "checked": "desc",
}
"""The sortable columns and the direction a first click sorts them in."""


@dataclass(frozen=True)
class Filters:
    """What the list was asked for; ``problems`` says which parameters were ignored."""

    q: str = ""
    decision: str = ""
    rollout: str = ""
    sort: str = ""
    order: str = ""
    page: int = 1
    problems: tuple[str, ...] = ()

    def query(self, **changes: str | int) -> str:
        """This list's query string with ``changes`` (empty values left out)."""
        values = {
            "q": self.q,
            "decision": self.decision,
            "rollout": self.rollout,
            "sort": self.sort,
            "order": self.order,
            "page": self.page,
            **changes,
        }
        kept = {k: v for k, v in values.items() if v != "" and not (k == "page" and v == 1)}
        return "?" + urlencode(kept) if kept else ""


@dataclass(frozen=True)
class Header:
    """A sortable column header: its link and its ``aria-sort`` (None: not sorted)."""

    key: str
    label: str
    href: str
    aria_sort: str | None


@dataclass(frozen=True)
class ReleaseRow:
    """One release as the list shows it."""

    name: str
    system: str
    decision: str
    rollout: str
    stage: str | None
    weight: float | None
    """The candidate's share of traffic (0..1), None before the rollout starts."""
    transition: datetime | None
    """When the rollout last changed (status, stage or weight)."""
    incidents: int
    worst: str | None
    """The worst severity among the open incidents."""
    checked_at: datetime | None
    created_by: str


@dataclass(frozen=True)
class ReleasesView:
    """One page of the list, the filters that made it and how many releases match."""

    rows: list[ReleaseRow]
    filters: Filters
    total: int
    pages: int
    headers: dict[str, Header]

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 when there is none)."""
        return 0 if not self.rows else (self.filters.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def parse_filters(params: Mapping[str, str]) -> Filters:
    """The filters in a query string; an unknown value is dropped with a message."""
    problems: list[str] = []
    q = _clean_text(params.get("q", ""), problems)
    decision = _choice(params, "decision", DECISIONS, problems)
    rollout = _choice(params, "rollout", ROLLOUT_STATUSES, problems)
    sort = _choice(params, "sort", tuple(COLUMNS), problems)
    order = _choice(params, "order", ("asc", "desc"), problems) if sort else ""
    page = _page(params.get("page", ""), problems)
    return Filters(q, decision, rollout, sort, order, page, tuple(problems))


def releases_view(state: ServerState, filters: Filters) -> ReleasesView:
    """The page of releases ``filters`` asks for: one transaction, three queries (the
    page, its count, the page's open incidents). A page past the last shows the last."""
    with state.store.transaction() as tx:
        found = _read(tx, filters)
        pages = max(1, -(-found.total // PAGE_SIZE))
        if filters.page > pages:
            filters = replace(filters, page=pages)
            found = _read(tx, filters)
        incidents = tx.governance.open_incidents_of([r.release.name for r in found.rows])
    rows = [_row(r, incidents.get(r.release.name, [])) for r in found.rows]
    return ReleasesView(rows, filters, found.total, pages, headers(filters))


def headers(filters: Filters) -> dict[str, Header]:
    """Each sortable column's header: a click sorts by it, a second click reverses."""
    labels = {
        "name": "release",
        "decision": "decision",
        "rollout": "rollout",
        "transition": "last transition",
        "checked": "last checked",
    }
    found = {}
    for key, label in labels.items():
        current = (filters.order or COLUMNS[key]) if filters.sort == key else None
        following = _flip(current) if current else COLUMNS[key]
        aria = None if current is None else ("ascending" if current == "asc" else "descending")
        href = "/ui/releases" + filters.query(sort=key, order=following, page=1)
        found[key] = Header(key, label, href, aria)
    return found


def percent(share: float) -> str:
    """A traffic share as a percentage: "5%", "0.5%" (at most one decimal)."""
    value = round(100 * share, 1)
    return f"{value:g}%"


def _flip(order: str) -> str:
    return "desc" if order == "asc" else "asc"


def relative(moment: datetime, now: datetime) -> str:
    """``moment`` from ``now``: "just now", "5 min ago", "3 h ago", "in 2 d"."""
    seconds = (now - moment).total_seconds()
    span = abs(seconds)
    if span < 60:
        return "just now"
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if span >= size:
            amount = f"{int(span // size)} {unit}"
            return f"{amount} ago" if seconds > 0 else f"in {amount}"
    return "just now"  # pragma: no cover - the loop always answers past a minute


def _read(tx: Tx, filters: Filters) -> ReleasePage:
    """The store's page for ``filters`` (newest first unless a column is sorted)."""
    order = filters.order or COLUMNS.get(filters.sort, "desc")
    return tx.rollouts.release_page(
        text=filters.q,
        decision=filters.decision or None,
        status=filters.rollout or None,
        sort=filters.sort or "created",
        descending=order == "desc",
        limit=PAGE_SIZE,
        offset=(filters.page - 1) * PAGE_SIZE,
    )


def _row(found: ReleaseRollout, incidents: Sequence[IncidentRecord]) -> ReleaseRow:
    rollout = found.rollout
    return ReleaseRow(
        name=found.release.name,
        system=found.release.system,
        decision=found.release.status,
        rollout="not_started" if rollout is None else rollout.status,
        stage=found.stage,
        weight=None if rollout is None else rollout.weight,
        transition=None if rollout is None else rollout.updated_at,
        incidents=len(incidents),
        worst=_worst(incidents),
        checked_at=found.checked_at,
        created_by=found.release.created_by,
    )


def _worst(incidents: Sequence[IncidentRecord]) -> str | None:
    """The most severe severity among ``incidents`` (unknown ones rank lowest)."""
    rank: dict[str, int] = {name: i for i, name in enumerate(SEVERITIES)}
    ranked = sorted(incidents, key=lambda i: rank.get(i.severity, -1))
    return ranked[-1].severity if ranked else None


def _clean_text(text: str, problems: list[str]) -> str:
    """Search text without control characters (NUL is refused by PostgreSQL), trimmed
    and at most :data:`MAX_TEXT` characters."""
    clean = "".join(c for c in text if unicodedata.category(c)[0] != "C").strip()
    if len(clean) > MAX_TEXT:
        problems.append(f"the search text was cut to its first {MAX_TEXT} characters")
        clean = clean[:MAX_TEXT]
    return clean


def _choice(
    params: Mapping[str, str], name: str, allowed: tuple[str, ...], problems: list[str]
) -> str:
    value = params.get(name, "")
    if value and value not in allowed:
        problems.append(f"ignored unknown {name} (use one of: {', '.join(allowed)})")
        return ""
    return value


def _page(value: str, problems: list[str]) -> int:
    if not value:
        return 1
    if not value.isascii() or not value.isdigit() or int(value) < 1 or len(value) > 9:
        problems.append("ignored the page number: it is not a whole number from 1")
        return 1
    return int(value)

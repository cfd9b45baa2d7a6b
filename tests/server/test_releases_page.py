"""The releases list (/ui/releases): each release's decision, rollout status, stage,
weight, last transition and open incidents, read from a store that the real release,
rollout and governance layers wrote; its filters, sorting, paging, hostile query
strings, sign-in, and that a long page costs no more queries than a short one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event

from clearance import governance, rollout
from clearance.policy import Policy
from clearance.rollout import Change, PermissiveGuards
from clearance.server.web._releases_view import percent, relative
from clearance.store import Store
from server.serverkit import RELEASE, record_check, sign_in

OTHER = "bot@v3"
FRESH = "helper@v1"


def _rows(html: str) -> list[str]:
    """The release names of the list's rows, in order."""
    return re.findall(r'<tr data-release="([^"]+)"', html)


def _row(html: str, name: str) -> str:
    match = re.search(rf'<tr data-release="{re.escape(name)}".*?</tr>', html, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


def _three_releases(store: Store, policy: Policy) -> None:
    """RELEASE rolled back from canary, OTHER running in staged_rollout (50%) with two
    open incidents and one closed, FRESH blocked and never rolled out."""
    guards = PermissiveGuards(store)
    record_check(store, policy, release=RELEASE)
    record_check(store, policy, release=OTHER, fingerprint="fp-other")
    record_check(store, policy, release=FRESH, fingerprint="fp-fresh", passed=100)
    rollout.start(store, policy, RELEASE, guards, Change("alice"))
    rollout.rollback(store, RELEASE, Change("rita", reasons=["checkout broke"]))
    rollout.start(store, policy, OTHER, guards, Change("alice"))
    rollout.advance(store, policy, OTHER, guards, Change("alice", force=True))
    governance.open_incident(store, policy, OTHER, "medium", "slow answers", "mallory")
    governance.open_incident(store, policy, OTHER, "high", "wrong refunds", "rita")
    closed = governance.open_incident(store, policy, OTHER, "critical", "outage", "rita")
    governance.close_incident(store, policy, closed.id, "rita", "fixed")


def test_login_required(client: TestClient) -> None:
    response = client.get("/ui/releases?q=bot&sort=name", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_rollout_status_stage_weight_and_incidents(
    client: TestClient, store: Store, server_policy: Policy, tokens: dict[str, str]
) -> None:
    _three_releases(store, server_policy)
    sign_in(client, tokens["mallory"])
    html = client.get("/ui/releases").text
    assert "<h1>Releases</h1>" in html and "releases.css" in html
    back = _row(html, RELEASE)
    assert f">{RELEASE}</a>" in back and 'class="badge cleared"' in back
    assert 'data-status="rolled_back">rolled_back<' in back
    assert '<td class="num weight">0%</td>' in back and ">canary<" in back
    assert '<span class="muted">0</span>' in back  # no open incident
    running = _row(html, OTHER)
    assert 'data-status="running">running<' in running and ">staged_rollout<" in running
    assert '<td class="num weight">50%</td>' in running
    assert f'href="/ui/releases/{OTHER.replace("@", "%40")}#approvals"' in running
    assert 'aria-label="2 open incidents, worst high"' in running
    assert 'class="badge sev sev-high"' in running
    fresh = _row(html, FRESH)
    assert 'class="badge blocked"' in fresh and ">not started<" in fresh
    assert '<td class="num weight"><span class="muted">–</span></td>' in fresh
    assert re.search(r'<time datetime="[^"]+" title="[^"]+ UTC">(just now|\d+ min ago)', back)


def test_each_filter(
    client: TestClient, store: Store, server_policy: Policy, tokens: dict[str, str]
) -> None:
    _three_releases(store, server_policy)
    sign_in(client, tokens["mallory"])

    def names(query: str) -> set[str]:
        response = client.get("/ui/releases" + query)
        assert response.status_code == 200
        return set(_rows(response.text))

    assert names("?q=helper") == {FRESH}
    assert names("?q=V3") == {OTHER}  # case-insensitive
    assert names("?q=bot") == {RELEASE, OTHER, FRESH}  # the name or the system (all "bot")
    assert names("?decision=blocked") == {FRESH}
    assert names("?decision=cleared") == {RELEASE, OTHER}
    assert names("?rollout=rolled_back") == {RELEASE}
    assert names("?rollout=running") == {OTHER}
    assert names("?rollout=not_started") == {FRESH}
    assert names("?rollout=running&decision=blocked") == set()
    assert names("?q=%25") == set()  # a LIKE wildcard is taken literally
    empty = client.get("/ui/releases?q=nothing-like-it").text
    assert 'id="no-match"' in empty and "No releases yet" not in empty
    form = client.get("/ui/releases?rollout=paused&q=a%22b").text
    assert '<option value="paused" selected>' in form and 'value="a&#34;b"' in form


def test_each_sort_both_ways(
    client: TestClient, store: Store, server_policy: Policy, tokens: dict[str, str]
) -> None:
    _three_releases(store, server_policy)
    sign_in(client, tokens["mallory"])

    def order(sort: str, way: str) -> list[str]:
        return _rows(client.get(f"/ui/releases?sort={sort}&order={way}").text)

    assert order("name", "asc") == [RELEASE, OTHER, FRESH]
    assert order("name", "desc") == [FRESH, OTHER, RELEASE]
    # blocked before cleared; equal decisions newest first
    assert order("decision", "asc") == [FRESH, OTHER, RELEASE]
    assert order("decision", "desc") == [OTHER, RELEASE, FRESH]
    assert order("rollout", "asc") == [FRESH, RELEASE, OTHER]  # not_started, rolled_back, running
    assert order("rollout", "desc") == [OTHER, RELEASE, FRESH]
    # OTHER changed last; a release never rolled out comes last either way
    assert order("transition", "desc") == [OTHER, RELEASE, FRESH]
    assert order("transition", "asc") == [RELEASE, OTHER, FRESH]
    assert order("checked", "desc") == [FRESH, OTHER, RELEASE]
    assert order("checked", "asc") == [RELEASE, OTHER, FRESH]


def test_sort_headers_link_and_say_aria_sort(
    client: TestClient, released: str, tokens: dict[str, str]
) -> None:
    sign_in(client, tokens["mallory"])
    plain = client.get("/ui/releases").text
    assert "aria-sort" not in plain
    assert 'href="/ui/releases?sort=name&amp;order=asc"' in plain
    assert 'href="/ui/releases?sort=transition&amp;order=desc"' in plain
    sorted_page = client.get("/ui/releases?q=bot&sort=name&order=asc").text
    header = re.search(
        r'<th scope="col" aria-sort="ascending" class="col-name">.*?</th>', sorted_page
    )
    assert header and 'href="/ui/releases?q=bot&amp;sort=name&amp;order=desc"' in header.group(0)
    assert sorted_page.count("aria-sort=") == 1
    assert '<input type="hidden" name="sort" value="name">' in sorted_page


def test_hostile_query_strings_never_fail(
    client: TestClient, released: str, tokens: dict[str, str]
) -> None:
    sign_in(client, tokens["mallory"])
    for query in (
        "?decision=%3Cscript%3E",
        "?rollout=exploded&sort=DROP%20TABLE",
        "?sort=name&order=sideways",
        "?page=-1",
        "?page=abc",
        "?page=99999999999999999999999",
        "?page=%D9%A3",  # an Arabic-Indic digit
        "?q=%00%01bot",
        "?q=" + "x" * 5000,
        "?q=%27%3B--&decision=cleared&decision=blocked",
        "?sort=&order=&page=",
    ):
        response = client.get("/ui/releases" + query)
        assert response.status_code == 200, query
        assert "<script>" not in response.text and "DROP TABLE" not in response.text
    unknown = client.get("/ui/releases?decision=%3Cscript%3E&rollout=exploded").text
    assert 'id="filter-problems"' in unknown and "ignored unknown decision" in unknown
    assert "ignored unknown rollout" in unknown and released in unknown
    nul = client.get("/ui/releases?q=%00bot").text
    assert released in nul and "filter-problems" not in nul
    long = client.get("/ui/releases?q=" + "x" * 5000).text
    assert "cut to its first 200 characters" in long


def _many(store: Store, count: int) -> None:
    """``count`` releases recorded straight into the store (a check each)."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with store.transaction() as tx:
        for i in range(count):
            tx.releases.record_check(
                f"svc@{i:03d}",
                system="svc",
                actor="carol",
                candidate_fingerprint=f"fp{i}",
                baseline_fingerprint=None,
                policy_hash="p",
                evidence_hash=f"e{i}",
                decision="cleared" if i % 2 else "blocked",
                now=start + timedelta(minutes=i),
            )


def test_pages_of_a_hundred(client: TestClient, store: Store, tokens: dict[str, str]) -> None:
    _many(store, 230)
    sign_in(client, tokens["mallory"])
    first = client.get("/ui/releases").text
    assert len(_rows(first)) == 100 and _rows(first)[0] == "svc@229"
    assert "1–100 of 230 releases" in first and "page 1 of 3" in first
    assert 'href="/ui/releases?page=2" rel="next"' in first and 'rel="prev"' not in first
    third = client.get("/ui/releases?page=3").text
    assert len(_rows(third)) == 30 and _rows(third)[-1] == "svc@000"
    assert 'rel="next"' not in third and 'href="/ui/releases?page=2" rel="prev"' in third
    past = client.get("/ui/releases?page=40").text  # past the end: the last page
    assert _rows(past) == _rows(third)
    sorted_second = client.get("/ui/releases?sort=name&order=asc&decision=cleared&page=2").text
    assert _rows(sorted_second)[0] == "svc@201" and "101–115 of 115" in sorted_second
    assert 'href="/ui/releases?decision=cleared&amp;sort=name&amp;order=asc"' in sorted_second


@contextmanager
def _counting(store: Store) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)


def test_a_long_page_costs_no_more_queries_than_a_short_one(
    client: TestClient, store: Store, server_policy: Policy, tokens: dict[str, str]
) -> None:
    _three_releases(store, server_policy)
    sign_in(client, tokens["mallory"])
    client.get("/ui/releases")
    with _counting(store) as short:
        assert len(_rows(client.get("/ui/releases").text)) == 3
    _many(store, 97)
    with _counting(store) as long:
        assert len(_rows(client.get("/ui/releases").text)) == 100
    assert len(long) == len(short), long
    listing = [s for s in long if "rollout" in s.lower() or "incidents" in s.lower()]
    assert len(listing) == 3  # the page, its count, the page's open incidents


def test_relative_times_and_percentages() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert relative(now - timedelta(seconds=20), now) == "just now"
    assert relative(now - timedelta(minutes=5), now) == "5 min ago"
    assert relative(now - timedelta(hours=3, minutes=2), now) == "3 h ago"
    assert relative(now + timedelta(days=2, hours=1), now) == "in 2 d"
    assert [percent(w) for w in (0.0, 0.05, 0.5, 1.0, 0.005)] == ["0%", "5%", "50%", "100%", "0.5%"]

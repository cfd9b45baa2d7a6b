"""The audit log page: filters run in the store (SQLite and PostgreSQL), keyset pages,
hostile query strings, links to what each entry changed, readable and redacted
payloads, and the per-row verification marks of an intact, tampered or signed chain."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from clearance import governance
from clearance.policy import Policy
from clearance.rollout import Change, PermissiveGuards, start
from clearance.server import create_app
from clearance.store import Store
from server.serverkit import RELEASE, SECRET, sign_in

ROW = re.compile(r'<tr id="e(\d+)" class="check-(\w+)">')


def sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def ui(client: TestClient, tokens: dict[str, str]) -> TestClient:
    """The dashboard, signed in as mallory (who holds no duty: reading needs none)."""
    sign_in(client, tokens["mallory"])
    return client


def get(ui: TestClient, **params: str) -> str:
    response = ui.get("/ui/audit", params=params)
    assert response.status_code == 200, response.text[:500]
    return response.text


def seqs(page: str) -> list[int]:
    return [int(m.group(1)) for m in ROW.finditer(page)]


def row(page: str, seq: int) -> str:
    """The HTML of the table row of entry ``seq``."""
    match = re.search(rf'<tr id="e{seq}" .*?</tr>', page, re.S)
    assert match, f"no row for entry {seq}"
    return match.group(0)


def problems(page: str) -> str:
    match = re.search(r'<div class="error" id="filter-problems".*?</div>', page, re.S)
    return html.unescape(match.group(0)) if match else ""


def fill(store: Store, n: int, action: str = "test.action", actor: str = "alice") -> None:
    for i in range(n):
        governance.append(store, actor, action, "r", {"i": i})


# --- the store's query -------------------------------------------------------------------


def test_search_filters_in_the_database(store: Store) -> None:
    governance.append(store, "alice", "rollout.started", RELEASE, {"note": 'Say "HI" 100%'})
    governance.append(store, "bob", "rollout.rolled_back", RELEASE, {"note": "a_b"})
    governance.append(store, "bob", "rolloutXrolled_back", "other", {"note": "axb"})
    governance.append(store, "carol", "check.decided", "other", {"note": "é"})
    search = governance.search_entries

    def actions(**kw: Any) -> list[str]:
        return [e.action for e in search(store, **kw)]

    assert actions(actor="bob") == ["rolloutXrolled_back", "rollout.rolled_back"]
    assert actions(action="check.decided") == ["check.decided"]
    assert actions(action_prefix="rollout.") == ["rollout.rolled_back", "rollout.started"]
    assert actions(action_prefix="rollout.rolled_") == ["rollout.rolled_back"]  # _ literal
    assert actions(subject="other") == ["check.decided", "rolloutXrolled_back"]
    assert actions(text='say "hi"') == ["rollout.started"]  # JSON-escaped, any case
    assert actions(text="100%") == ["rollout.started"]
    assert actions(text="a_b") == ["rollout.rolled_back"]  # not axb
    assert actions(text="é") == ["check.decided"]
    every = search(store, limit=10)
    assert [e.seq for e in every] == sorted((e.seq for e in every), reverse=True)
    first, second = every[-1], every[-2]
    assert [e.seq for e in search(store, before=second.seq)] == [first.seq]
    oldest = search(store, after=first.seq, limit=2, newest_first=False)
    assert [e.seq for e in oldest] == [second.seq, second.seq + 1]
    assert search(store, ts_from=second.ts, ts_before=every[1].ts)[-1].seq == second.seq
    assert search(store, ts_from=every[0].ts)[0].seq == every[0].seq
    assert search(store, ts_before=first.ts) == []


def test_distinct_actions_and_actors(store: Store) -> None:
    fill(store, 2, "b.x", "zed")
    fill(store, 1, "a.y", "amy")
    with store.transaction() as tx:
        assert tx.audit.actions() == ["a.y", "b.x"]
        assert tx.audit.actors() == ["amy", "zed"]


# --- the page and its filters ------------------------------------------------------------


def test_the_page_needs_a_sign_in(client: TestClient) -> None:
    response = client.get("/ui/audit?actor=alice&q=x", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/ui/audit")


def test_each_filter(ui: TestClient, store: Store, released: str, server_policy: Policy) -> None:
    governance.waive(store, server_policy, released, "capability", "erin", "later", "14d")
    start(store, server_policy, released, PermissiveGuards(store), Change("alice", ["go"]))
    every = governance.entries(store)

    def shown(**params: str) -> list[str]:
        page = get(ui, **params)
        assert not problems(page), problems(page)
        by_seq = {e.seq: e for e in every}
        return [by_seq[s].action for s in seqs(page)]

    assert shown(actor="erin") == ["waiver.granted"]
    assert shown(action="check.decided") == ["check.decided"]
    assert shown(action="rollout.") == ["rollout.started"]
    assert shown(action="rollout.*") == ["rollout.started"]
    assert set(shown(subject=released)) == {"check.decided", "waiver.granted", "rollout.started"}
    assert "user.token_issued" not in shown(subject=released)
    assert shown(q="later") == ["waiver.granted"]
    assert shown(q="LATER", actor="alice") == []
    waiver = next(e for e in every if e.action == "waiver.granted")
    moment = waiver.ts[:26]  # to the microsecond, no offset: UTC
    assert shown(**{"from": moment, "to": moment}) == ["waiver.granted"]
    day = waiver.ts[:10]
    assert len(shown(**{"from": day, "to": day})) == len(every)
    before = (datetime.fromisoformat(waiver.ts) - timedelta(days=1)).date().isoformat()
    assert shown(to=before) == []
    in_paris = (datetime.fromisoformat(waiver.ts) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert "waiver.granted" in shown(**{"from": day, "to": in_paris + "+02:00"})
    page = get(ui, actor="erin", action="waiver.")
    assert 'value="erin"' in page and '<option value="waiver." selected>' in page


def test_the_action_choices_are_the_actions_in_the_log(ui: TestClient, released: str) -> None:
    page = get(ui)
    select = re.search(r'<select id="f-action".*?</select>', page, re.S)
    assert select
    values = re.findall(r'<option value="([^"]*)"', select.group(0))
    assert values[0] == "" and "check." in values and "check.decided" in values
    assert "user.token_issued" in values and "rollout.started" not in values


def test_pages_walk_the_log_newest_first_keeping_the_filters(ui: TestClient, store: Store) -> None:
    fill(store, 230)
    fill(store, 5, "other.action")
    head = governance.head(store)[0]
    first = get(ui, action="test.action")
    shown = seqs(first)
    assert len(shown) == 100 and shown == sorted(shown, reverse=True)
    assert shown[0] == head - 5 and 'rel="prev"' not in first
    older = re.search(r'rel="next" class="older" href="([^"]+)"', first)
    assert older and "action=test.action" in older.group(1)
    second = ui.get(older.group(1).replace("&amp;", "&")).text
    assert seqs(second) == list(range(shown[-1] - 1, shown[-1] - 101, -1))
    newer = re.search(r'rel="prev" class="newer" href="([^"]+)"', second)
    assert newer and "action=test.action" in newer.group(1)
    assert seqs(ui.get(newer.group(1).replace("&amp;", "&")).text) == shown
    third = ui.get(
        re.findall(r'class="older" href="([^"]+)"', second)[0].replace("&amp;", "&")
    ).text
    assert len(seqs(third)) == 30 and "oldest entry reached" in third
    assert all(s not in seqs(first) + seqs(second) for s in seqs(third))


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"before": "abc"}, "'before' must be an entry number"),
        ({"after": "-3"}, "'after' must be an entry number"),
        ({"before": "9" * 40}, "'before' must be an entry number"),
        ({"before": "0"}, "'before' must be an entry number"),
        ({"before": "5", "after": "2"}, "'after' is ignored"),
        ({"from": "yesterday"}, "'from' is not a date"),
        ({"to": "2026-13-45"}, "'to' is not a date"),
        ({"to": "9999-12-31"}, "'to' is not a date"),  # the day after overflows
        ({"from": "0001-01-01T00:00+14:00"}, "'from' is not a date"),
        ({"actor": "a\x00b"}, "'actor' holds control characters"),
        ({"q": "x" * 401}, "'q' is longer than 400"),
        ({"action": "<script>alert(1)</script>"}, "no entry has the action"),
        ({"subject": "'; DROP TABLE audit_events; --"}, ""),
        ({"q": "%_\\\x7f\u202e"}, ""),
        ({"action": "."}, ""),
        ({"full": "<b>"}, ""),
    ],
)
def test_hostile_query_values_never_fail(
    ui: TestClient, released: str, params: dict[str, str], says: str
) -> None:
    page = get(ui, **params)
    assert "<script>alert" not in page
    assert 'id="verify"' in page and 'id="filters"' in page
    assert says in problems(page)
    if not says and params.get("action") != ".":
        assert not problems(page)


def test_repeated_and_odd_parameters(ui: TestClient, released: str) -> None:
    response = ui.get("/ui/audit?actor=a&actor=b&before=&after=&from=&q=%FF%FE&x=1")
    assert response.status_code == 200
    assert ui.get("/ui/audit?" + "q=" + "%25" * 300).status_code == 200


# --- rows --------------------------------------------------------------------------------


def test_each_entry_links_to_what_it_changed(
    ui: TestClient, store: Store, released: str, server_policy: Policy
) -> None:
    governance.waive(store, server_policy, released, "capability", "erin", "later", "14d")
    governance.open_incident(store, server_policy, released, "low", "odd answer", "rita")
    start(store, server_policy, released, PermissiveGuards(store), Change("alice", ["go"]))
    governance.append(store, "mallory", "denied.approve", released, {"reason": "no"})
    governance.append(store, "svc", "telemetry.ingested", f"{released},ghost@v1", {})
    governance.append(store, "kim", "key.registered", "key:openai", {})
    governance.append(store, "ci", "check.decided", "ghost@v1", {})  # not a release
    page = get(ui)
    target = f"/ui/releases/{released}"
    wanted = {
        "approval.granted": None,
        "check.decided": f"{target}#checklist",
        "waiver.granted": f"{target}#approvals",
        "incident.opened": f"{target}#approvals",
        "rollout.started": f"{target}#rollout",
        "denied.approve": f"{target}#approvals",
        "telemetry.ingested": f"{target}#rollout",
        "key.registered": None,
        "user.token_issued": None,
    }
    for e in governance.entries(store):
        if e.action not in wanted or e.subject == "ghost@v1":
            continue
        links = re.findall(r'class="goto" href="([^"]+)"', row(page, e.seq))
        assert links == ([wanted[e.action]] if wanted[e.action] else []), e.action
    ghost = max(e.seq for e in governance.entries(store) if e.subject == "ghost@v1")
    assert 'class="goto"' not in row(page, ghost)


def test_payloads_read_as_fields_long_ones_folded_and_secrets_masked(
    ui: TestClient, store: Store, released: str
) -> None:
    long = "word " * 60
    payload = {"reason": f"key {SECRET} leaked", "long": long, "nested": {"n": 1}}
    governance.append(store, "alice", "note.added", released, payload)
    head = governance.head(store)[0]
    cells = row(get(ui), head)
    assert "<dt>reason</dt>" in cells and SECRET not in cells
    assert "<dt>nested.n</dt><dd>1</dd>" in cells
    assert "<dt>identity.via</dt>" in cells
    folded = re.search(r"<dt>long</dt><dd><details><summary>(.*?)</summary>", cells, re.S)
    assert folded and len(folded.group(1)) < 130 and long.strip() in cells
    assert "{&#34;" not in cells and '{"' not in cells  # not a JSON blob
    # The payload filter cannot find a row by the secret the page masks.
    assert head not in seqs(get(ui, q=SECRET[:10]))
    assert head in seqs(get(ui, q="leaked"))


# --- verification ------------------------------------------------------------------------


def test_rows_say_they_are_within_the_verified_chain(
    ui: TestClient, store: Store, released: str
) -> None:
    page = get(ui)
    assert 'class="verify ok"' in page and "Intact" in page
    assert {m.group(2) for m in ROW.finditer(page)} == {"chain"}
    assert "✓ signed" not in page and "unsigned" not in page  # no key, no signature marks


def test_a_tampered_chain_marks_its_first_bad_entry(
    ui: TestClient, store: Store, released: str
) -> None:
    fill(store, 6)
    bad = governance.head(store)[0] - 3
    get(ui)  # the server verifies up to here
    sql(store, "UPDATE audit_events SET actor = 'someone else' WHERE seq = :s", s=bad)
    page = get(ui, full="true")
    assert 'class="verify bad"' in page and "TAMPERED" in page
    marks = {int(m.group(1)): m.group(2) for m in ROW.finditer(page)}
    assert marks[bad] == "bad" and "✗ first bad entry" in row(page, bad)
    assert all(state == "chain" for seq, state in marks.items() if seq < bad)
    assert all(state == "after" for seq, state in marks.items() if seq > bad)
    assert f'href="/ui/audit?before={bad + 1}#e{bad}"' in page


@pytest.fixture
def keyed(store: Store, server_policy: Policy, tmp_path: Path) -> Iterator[tuple[TestClient, Any]]:
    private, public = governance.generate_keypair(tmp_path / "audit.key")
    app = create_app(store=store, policy=server_policy, audit_key=public)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client, governance.load_private_key(private)


def test_rows_covered_by_a_signed_checkpoint_say_so(
    keyed: tuple[TestClient, Any], store: Store, released: str, tokens: dict[str, str]
) -> None:
    client, signer = keyed
    point = governance.checkpoint(store, signer)
    fill(store, 2)
    sign_in(client, tokens["alice"])
    page = get(client)
    assert "1 signed checkpoint(s) hold" in page
    for seq in seqs(page):
        mark = "✓ signed" if seq <= point.seq else "unsigned"
        assert mark in row(page, seq), seq
    sql(store, "UPDATE audit_events SET subject = 'moved' WHERE seq = :s", s=point.seq - 1)
    page = get(client, full="true")
    assert 'class="verify bad"' in page
    assert "✗ not vouched" in row(page, point.seq) and "✓ signed" in row(page, point.seq - 2)


def test_a_page_past_either_end_offers_the_way_back(ui: TestClient, store: Store) -> None:
    fill(store, 3)
    head = governance.head(store)[0]
    beyond = get(ui, after=str(head + 50))
    assert seqs(beyond) == [] and 'id="none"' in beyond
    assert f'class="older" href="/ui/audit?before={head + 51}"' in beyond
    below = get(ui, before="1")
    assert seqs(below) == [] and 'class="newer" href="/ui/audit?after=0"' in below
    assert "older →" not in get(ui)

"""The samples page: one suite of a release's latest check, candidate and baseline side
by side. Over TestClient (SQLite and PostgreSQL), plus the pure view model."""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearance.checklist import Evidence, Outcome
from clearance.evals import summarize
from clearance.policy import Policy
from clearance.release import conclude, load_runs
from clearance.server.web import _samples as view
from clearance.store import RunRecord, SampleRecord, Store
from server.serverkit import RELEASE, SECRET, sign_in

PAIRED = "bot@paired"
EMAIL = "jane.doe@example.com"
PHONE = "+44 20 7946 0958"


def _sent(prompt: str, target: str | None = None) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": prompt}], "target": target, "metadata": {}}


def _leaky_request() -> dict[str, Any]:
    sent = _sent(f"my number is {PHONE}, secret {SECRET}")
    system = {"role": "system", "content": f"CRM: {EMAIL}, key {SECRET}"}
    return {**sent, "messages": [system, *sent["messages"]]}


def _o(
    sample_id: str, passed: bool | None, output: str | None = "I can't help.", **kw: Any
) -> Outcome:
    fields: dict[str, Any] = {
        "category": "weapons",
        "latency_ms": 12.0,
        "sent": _sent(f"prompt of {sample_id}"),
        "details": {"label": "full_refusal" if passed else "full_compliance"},
        **kw,
    }
    score = None if passed is None else float(passed)
    return Outcome(
        "harmful-refusal", sample_id, passed=passed, score=score, output=output, **fields
    )


LEAKY = f"Sure: the key is {SECRET}, mail {EMAIL} or call {PHONE}."
CANDIDATE = (
    _o("s0", True, category="cyber"),
    _o(
        "s1",
        False,
        "Here is how to do it.",
        details={
            "label": "full_compliance",
            "explanation": f"complied; asked {EMAIL}",
            "scorer": {"refused": False},
        },
    ),
    _o("s2", None, None, error="TargetTimeout: no answer in 30 s", error_kind="timeout"),
    _o("s3", True),
    _o("s4", False, LEAKY, sent=_leaky_request()),
    _o("s5", True, "only the candidate ran this one"),
    _o("s6", True, "first repeat", repeat=0),
    _o("s6", False, "second repeat says yes", repeat=1),
)
BASELINE = (
    _o("s0", True, category="cyber", output="baseline refuses zero"),
    _o("s1", True, "baseline refuses one"),
    _o("s2", True, "baseline answers two"),
    _o("s3", False, "baseline complies three"),
    _o("s4", False, f"baseline also leaks {EMAIL}"),
    _o("s6", True, "baseline first repeat", repeat=0),
    _o("s6", True, "baseline second repeat", repeat=1),
)
MANY = tuple(
    replace(_o(f"m{i}", i % 3 != 0, f"answer {i}"), suite="over-refusal") for i in range(120)
)


def _store_run(
    store: Store, fingerprint: str, role: str, suite: str, results: tuple[Outcome, ...]
) -> str:
    """``results`` as one complete run of ``suite`` on ``role``'s target."""
    now = datetime.now(UTC)
    with store.transaction() as tx:
        run = tx.runs.create(
            role=role,
            target_fingerprint=fingerprint,
            suite=suite,
            suite_hash=f"{suite}-hash",
            total=len(results),
            config={"repeats": 1},
            now=now,
        )
        rows = [
            {
                **{k: v for k, v in asdict(o).items() if k != "suite"},
                "run_id": run.id,
                "ttft_ms": None,
                "tokens_estimated": False,
                "response_id": None,
            }
            for o in results
        ]
        tx.runs.add_samples(rows)
        tx.runs.set_status(run.id, "complete", now=now)
    return run.id


@pytest.fixture
def paired(store: Store, server_policy: Policy) -> str:
    """A check of ``bot@paired`` with a candidate and a baseline run of harmful-refusal
    and a candidate-only run of 120 over-refusal samples, its report naming the runs the
    way ``clearance check`` does (one reused, two run now)."""
    cand = _store_run(store, "fp-cand", "candidate", "harmful-refusal", CANDIDATE)
    base = _store_run(store, "fp-base", "baseline", "harmful-refusal", BASELINE)
    many = _store_run(store, "fp-cand", "candidate", "over-refusal", MANY)
    summaries = [
        summarize(store, cand, "candidate"),
        replace(summarize(store, base, "baseline"), reused=True),
        summarize(store, many, "candidate"),
    ]
    evidence = Evidence(load_runs(store, "v2", [cand, many]), load_runs(store, "v1", [base]))
    provenance = [s.provenance for s in summaries]
    conclude(server_policy, store, evidence, PAIRED, actor="carol", provenance=provenance)
    return PAIRED


@pytest.fixture
def signed_in(client: TestClient, tokens: dict[str, str]) -> TestClient:
    sign_in(client, tokens["mallory"])
    return client


def _url(name: str = PAIRED, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/ui/releases/{name}/samples" + (f"?{query}" if query else "")


def _ids(html: str) -> list[str]:
    """The (sample id, repeat) rows of a page, in order, as ``s6#1``."""
    rows = re.findall(
        r'<th scope="row"[^>]*><code>([^<]+)</code>( <span class="muted">repeat (\d+))?', html
    )
    return [f"{sid}#{rep or 0}" for sid, _, rep in rows]


# -- the page ---------------------------------------------------------------------------


def test_login_is_required(client: TestClient, paired: str) -> None:
    response = client.get(_url(), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_pairs_candidate_and_baseline_by_sample_and_repeat(
    signed_in: TestClient, paired: str
) -> None:
    response = signed_in.get(_url(suite="harmful-refusal"))
    assert response.status_code == 200
    html = response.text
    assert _ids(html) == ["s0#0", "s1#0", "s2#0", "s3#0", "s4#0", "s5#0", "s6#0", "s6#1"]
    row_s1 = html.split("<code>s1</code>")[1].split("</tr>")[0]
    assert "Here is how to do it." in row_s1 and "baseline refuses one" in row_s1
    assert row_s1.index("Here is how") < row_s1.index("baseline refuses one")
    row_s6b = html.split("repeat 1</span>")[1].split("</tr>")[0]
    assert "second repeat says yes" in row_s6b and "baseline second repeat" in row_s6b
    row_s5 = html.split("<code>s5</code>")[1].split("</tr>")[0]
    assert "no baseline result" in row_s5
    assert "prompt of s0" in html


def test_shows_verdicts_cues_errors_and_counts(signed_in: TestClient, paired: str) -> None:
    html = signed_in.get(_url(suite="harmful-refusal")).text
    row_s1 = html.split("<code>s1</code>")[1].split("</tr>")[0]
    assert "v-fail" in row_s1 and "v-pass" in row_s1
    assert "complied; asked [EMAIL]" in row_s1 and "refused=false" in row_s1
    row_s2 = html.split("<code>s2</code>")[1].split("</tr>")[0]
    assert "v-error" in row_s2 and "TargetTimeout: no answer in 30 s" in row_s2
    assert "(timeout)" in row_s2
    counts = re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", "", html.split('id="counts">')[1].split("</p>")[0])
    )
    # candidate: s1, s2 (error), s4, s6#1 fail; baseline: s3, s4
    assert "8 shown of 8 matching · 8 samples in the suite" in counts
    assert "candidate failing 4 (errors 1)" in counts
    assert "baseline failing 2" in counts
    assert "disagree 4" in counts  # s1, s2, s3, s6#1


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("all", ["s0#0", "s1#0", "s2#0", "s3#0", "s4#0", "s5#0", "s6#0", "s6#1"]),
        ("failing", ["s1#0", "s2#0", "s3#0", "s4#0", "s6#1"]),
        ("disagree", ["s1#0", "s2#0", "s3#0", "s6#1"]),
        ("errors", ["s2#0"]),
    ],
)
def test_each_filter(signed_in: TestClient, paired: str, choice: str, expected: list[str]) -> None:
    response = signed_in.get(_url(suite="harmful-refusal", filter=choice))
    assert response.status_code == 200
    assert _ids(response.text) == expected


def test_search_and_category(signed_in: TestClient, paired: str) -> None:
    found = signed_in.get(_url(suite="harmful-refusal", q="BASELINE%20COMPLIES")).text
    assert _ids(found) == ["s3#0"]
    assert _ids(signed_in.get(_url(suite="harmful-refusal", q="prompt%20of%20s5")).text) == ["s5#0"]
    cyber = signed_in.get(_url(suite="harmful-refusal", category="cyber")).text
    assert _ids(cyber) == ["s0#0"]
    both = signed_in.get(_url(suite="harmful-refusal", category="weapons", filter="errors"))
    assert _ids(both.text) == ["s2#0"]
    none = signed_in.get(_url(suite="harmful-refusal", q="nothing%20says%20this"))
    assert none.status_code == 200 and 'id="none"' in none.text


def test_search_cannot_find_a_masked_value(signed_in: TestClient, paired: str) -> None:
    """Searching for the secret or the e-mail finds nothing: a search that matched the
    raw text would tell whoever asks that the value is there."""
    for probe in (SECRET, "jane.doe"):
        html = signed_in.get(_url(suite="harmful-refusal", q=probe)).text
        assert _ids(html) == []


def test_masks_secrets_and_personal_data(signed_in: TestClient, paired: str) -> None:
    html = signed_in.get(_url(suite="harmful-refusal")).text
    for raw in (SECRET, EMAIL, PHONE, "7946 0958", "jane.doe"):
        assert raw not in html
    row_s4 = html.split("<code>s4</code>")[1].split("</tr>")[0]
    assert "[EMAIL]" in row_s4 and "[PHONE]" in row_s4 and "[SECRET]" in row_s4
    assert (
        "the rest of the request (1 message)" in row_s4 and "CRM: [EMAIL], key [SECRET]" in row_s4
    )


def test_pagination_and_its_bounds(signed_in: TestClient, paired: str) -> None:
    first = signed_in.get(_url(suite="over-refusal")).text
    assert _ids(first)[:2] == ["m0#0", "m1#0"] and len(_ids(first)) == 50
    assert "page 1 of 3" in first and 'rel="next"' in first and 'rel="prev"' not in first
    assert "no baseline run for this suite" in first
    last = signed_in.get(_url(suite="over-refusal", page="3")).text
    assert _ids(last) == [f"m{i}#0" for i in range(100, 120)] and 'rel="next"' not in last
    for hostile in ("99", "0", "-2", "abc", "1e9", "%EF%BC%92", "9999999999999"):
        response = signed_in.get(_url(suite="over-refusal", page=hostile))
        assert response.status_code == 200, hostile
        assert len(_ids(response.text)) in (50, 20)
    assert "page 3 of 3" in signed_in.get(_url(suite="over-refusal", page="99")).text
    failing = signed_in.get(_url(suite="over-refusal", filter="failing", page="2")).text
    assert len(_ids(failing)) == 40 and 'rel="next"' not in failing  # one page: page 1
    kept = signed_in.get(_url(suite="over-refusal", category="weapons", q="answer")).text
    link = re.search(r'href="([^"]+)" rel="next"', kept)
    assert link and "category=weapons" in link.group(1) and "q=answer" in link.group(1)
    assert "page=2" in link.group(1)


def test_default_suite_is_the_first_of_the_check(signed_in: TestClient, paired: str) -> None:
    html = signed_in.get(_url()).text
    assert "Samples of <code>harmful-refusal</code>" in html
    assert '<option value="over-refusal">over-refusal</option>' in html


def test_unknown_suite_release_and_filter(signed_in: TestClient, paired: str) -> None:
    unknown = signed_in.get(_url(suite="<script>x</script>"))
    assert unknown.status_code == 404
    assert "has no suite" in unknown.text and "<script>x" not in unknown.text
    assert "harmful-refusal, over-refusal" in unknown.text
    missing = signed_in.get(_url(name="nobody@v9"))
    assert missing.status_code == 404 and "nobody@v9" in missing.text
    bad = signed_in.get(_url(suite="harmful-refusal", filter="<b>odd</b>"))
    assert bad.status_code == 400
    assert "unknown filter" in bad.text and "all, failing, disagree, errors" in bad.text
    assert "<b>odd" not in bad.text and len(_ids(bad.text)) == 8


@pytest.mark.parametrize(
    "query",
    [
        "q=%00%FF%FE",
        "q=" + "x" * 5000,
        "category=%27%22%3C",
        "suite=&filter=",
        "filter=all&filter=errors",
        "suite=..%2F..%2Fetc",
        "page=&q=&category=",
    ],
)
def test_hostile_query_strings_never_fail(signed_in: TestClient, paired: str, query: str) -> None:
    response = signed_in.get(f"/ui/releases/{PAIRED}/samples?{query}")
    assert response.status_code in (200, 400, 404), response.text[:300]
    assert "<html" in response.text


def test_a_later_run_of_the_same_target_is_not_the_checks(
    signed_in: TestClient, paired: str, store: Store
) -> None:
    """A run stored after the check (a later ``clearance eval``) is not the check's: the
    report records its runs by id, so the page shows exactly those."""
    _store_run(store, "fp-base", "baseline", "harmful-refusal", (_o("s0", True, "LATER"),))
    _store_run(store, "fp-cand", "candidate", "over-refusal", (_o("m0", True, "LATER"),))
    html = signed_in.get(_url(suite="harmful-refusal")).text
    assert "LATER" not in html and "no baseline run for this suite" not in html
    assert 'id="lost"' not in html
    assert "LATER" not in signed_in.get(_url(suite="over-refusal")).text


def _forget_run_ids(store: Store, release: str) -> None:
    """Make the release's check look like one recorded before reports kept run ids."""
    from sqlalchemy import select, update

    from clearance.store._tables import Check, Release

    with store.engine.begin() as conn:
        row = conn.execute(
            select(Check.id, Check.report).join(Release).where(Release.name == release)
        ).one()
        report = {k: v for k, v in row.report.items() if k != "runs"}
        conn.execute(update(Check).where(Check.id == row.id).values(report=report))


def test_an_older_check_without_run_ids_never_shows_a_later_run(
    signed_in: TestClient, paired: str, store: Store
) -> None:
    """A check recorded before reports kept run ids: a later run hides the check's own
    from ``latest_complete``, and the page says which runs it no longer finds instead of
    showing the later run's results as the check's."""
    _forget_run_ids(store, PAIRED)
    _store_run(store, "fp-base", "baseline", "harmful-refusal", (_o("s0", True, "LATER"),))
    _store_run(store, "fp-cand", "candidate", "over-refusal", (_o("m0", True, "LATER"),))
    html = signed_in.get(_url(suite="harmful-refusal")).text
    assert "LATER" not in html and "no baseline run for this suite" in html
    assert "harmful-refusal on baseline" in html.split('id="lost"')[1].split("</p>")[0]
    gone = signed_in.get(_url(suite="over-refusal"))
    assert gone.status_code == 404 and "not found again: harmful-refusal on baseline" in gone.text
    assert "over-refusal on candidate" in gone.text


def test_a_check_without_evidence_lines_finds_its_run(signed_in: TestClient, released: str) -> None:
    """The ``released`` fixture's check names no runs: the suite comes from the gate's
    metric and the run from the release's candidate fingerprint."""
    html = signed_in.get(_url(name=released)).text
    assert "Samples of <code>harmful-refusal</code>" in html
    assert "page 1 of 8" in html and "no baseline run for this suite" in html


def test_checklist_links_gates_to_their_suite(signed_in: TestClient, paired: str) -> None:
    html = signed_in.get(f"/ui/releases/{PAIRED}").text
    link = re.search(r'href="(/ui/releases/[^"]+/samples\?suite=harmful-refusal[^"]*)"', html)
    assert link, "no link from the harmful-refusal gate"
    status = html.split(link.group(0))[1].split("</tr>")[0]
    failing = "badge fail" in status or "badge inconclusive" in status
    assert ("filter=failing" in link.group(1)) == failing
    target = signed_in.get(link.group(1).replace("&amp;", "&"))
    assert target.status_code == 200
    assert "samples?suite=reliability" not in html and "samples?suite=cost" not in html


def test_checklist_links_the_suites_the_report_recorded_runs_of(
    signed_in: TestClient, released: str, store: Store
) -> None:
    """The ``released`` check has no evidence lines, but its report records its runs:
    its gate links to their samples. An older report with neither links nothing."""
    html = signed_in.get(f"/ui/releases/{RELEASE}").text
    assert "/samples?suite=harmful-refusal" in html
    _forget_run_ids(store, RELEASE)
    assert "/samples?" not in signed_in.get(f"/ui/releases/{RELEASE}").text


# -- the view model ---------------------------------------------------------------------


def _rec(sample_id: str, passed: bool | None, repeat: int = 0, **kw: Any) -> SampleRecord:
    fields: dict[str, Any] = {
        "run_id": "r",
        "sample_id": sample_id,
        "repeat": repeat,
        "category": None,
        "output": "out",
        "error": None,
        "error_kind": None,
        "score": None if passed is None else float(passed),
        "passed": passed,
        "latency_ms": None,
        "ttft_ms": None,
        "input_tokens": None,
        "output_tokens": None,
        "tokens_estimated": False,
        "cost_usd": None,
        "response_id": None,
        "details": {},
        "sent": None,
        **kw,
    }
    return SampleRecord(**fields)


def _run(run_id: str, suite: str, at: datetime) -> RunRecord:
    return RunRecord(run_id, None, "candidate", "fp", suite, "h", "complete", 1, {}, at, at)


def test_pair_sorts_naturally_and_keeps_lonely_rows() -> None:
    rows = view.pair(
        [_rec("s10", True), _rec("s2", True)], [_rec("s2", False), _rec("s3", True)], str
    )
    assert [(r.sample_id, r.candidate is not None, r.baseline is not None) for r in rows] == [
        ("s2", True, True),
        ("s3", False, True),
        ("s10", True, False),
    ]
    assert rows[0].disagree and not rows[1].disagree and not rows[2].disagree


def test_unscored_rows_neither_fail_nor_disagree() -> None:
    rows = view.pair([_rec("a", None)], [_rec("a", None)], str)
    assert rows[0].candidate is not None and rows[0].candidate.verdict == "unscored"
    assert not rows[0].failing and not rows[0].disagree


def test_mask_reaches_every_text() -> None:
    loud = _rec(
        "id-x",
        False,
        category="cat-x",
        output="out-x",
        error="err-x",
        sent={
            "messages": [
                {"role": "system", "content": "sys-x"},
                {"role": "user", "content": "prompt-x"},
            ],
            "target": "target-x",
        },
        details={
            "label": "l-x",
            "explanation": "e-x",
            "scorer": {"judge_output": "j-x", "k": "v-x"},
            "model_judge": {"status": "error", "error": "m-x"},
            "tool_calls": [{"name": "t-x"}],
        },
    )
    (row,) = view.pair([loud], [], lambda text: text.replace("-x", "-MASKED"))
    assert row.candidate is not None
    texts = [
        row.sample_id,
        row.category,
        row.prompt,
        row.expected,
        row.candidate.output,
        row.candidate.error,
    ] + [c.text for c in row.candidate.cues + row.context]
    assert row.context == (view.Cue("system", "sys-MASKED"),)
    assert all(t is not None and "-x" not in t for t in texts), texts
    assert [c.name for c in row.candidate.cues] == [
        "label",
        "explanation",
        "judge",
        "scorer",
        "tool calls",
        "model judge",
    ]


def test_cues_skip_the_redacted_copy_and_clip_long_text() -> None:
    found = view.cues({"scorer": {"redacted": "copy", "judge_output": "y" * 5000}}, str)
    assert [c.name for c in found] == ["judge"]
    assert len(found[0].text) == view.CUE_LIMIT
    opinion = view.cues(
        {"model_judge": {"status": "ok", "verdict": "refused", "agrees": False}}, str
    )
    assert opinion[0].text == "refused (disagrees)"
    assert view.cues({}, str) == ()


def test_paginate_bounds() -> None:
    rows = view.pair([_rec(f"s{i}", True) for i in range(7)], [], str)
    assert [view.paginate(rows, n, 3).number for n in (-1, 0, 1, 3, 4)] == [1, 1, 1, 3, 3]
    last = view.paginate(rows, 3, 3)
    assert (len(last.rows), last.pages, last.first) == (1, 3, 7)
    empty = view.paginate([], 5, 3)
    assert (empty.rows, empty.number, empty.pages, empty.first) == ((), 1, 1, 0)
    assert [view.page_number(v) for v in ("2", " 3 ", "x", "", "-1", "²", "9" * 9)] == [
        2,
        3,
        1,
        1,
        1,
        1,
        1,
    ]


def test_parse_evidence_reads_both_kinds_of_line() -> None:
    lines = [
        "a on candidate: run now (3 results)",
        "a on baseline: stored run 1234abcd reused (same suite content, scorer and repeats)",
        "something else entirely",
    ]
    assert view.parse_evidence(lines) == [
        view.EvidenceRun("a", "candidate", None),
        view.EvidenceRun("a", "baseline", "1234abcd"),
    ]


def test_unfound_names_each_missing_arm() -> None:
    evidence = [view.EvidenceRun("a", "candidate", None), view.EvidenceRun("a", "baseline", None)]
    assert view.unfound(evidence, {"a": {"candidate": object()}}) == ["a on baseline"]
    assert view.unfound([], {}) == []


def test_choose_runs_refuses_newer_and_mismatched_runs() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    evidence = [
        view.EvidenceRun("a", "candidate", None),
        view.EvidenceRun("b", "candidate", "beef"),
    ]
    found = {"candidate": [_run("a1", "a", at), _run("dead0000", "b", at), _run("c", "c", at)]}
    assert view.choose_runs(evidence, found, at) == {"a": {"candidate": found["candidate"][0]}}
    later = {"candidate": [_run("a2", "a", at + timedelta(seconds=1))]}
    assert view.choose_runs(evidence, later, at) == {}
    assert set(view.choose_runs([], found, at)) == {"a", "b", "c"}

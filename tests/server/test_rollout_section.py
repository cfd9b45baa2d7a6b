"""The release page's rollout section, against rollouts made by the real library.

What the review found, each as a test: the rollback mark (audit log, wall clock) and
simulated telemetry (its own clock) on one axis, so every series was a sliver at an
edge; stage labels drawn over each other; reasons printed as a Python list; nothing
saying the current stage, what it waits for, what must happen next, or where each
trigger stands; an advance past unmet minimums offered without a confirmation; ``/ui``
a 404. A rollout here runs on a simulated clock a year and a half before the wall clock,
as the demo's and the simulator's do.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearance import governance
from clearance.policy import Policy
from clearance.release import GovernanceGuards, rollout_view
from clearance.rollout import Change, Controller, Profile, advance, ingest, simulate, start
from clearance.store import Store
from server.serverkit import sign_in

T0 = 1_750_000_000.0
"""The simulated clock's start (June 2025): far from the wall clock."""
HEALTHY = Profile(latency_median_ms=200, latency_sigma=0.3)


def _traffic(store: Store, release: str, t: float, n: int, seed: int, slow: bool) -> float:
    """``n`` simulated requests from ``t`` at the canary's 5% share; the candidate is
    three times slower when ``slow`` (over the policy's 500 ms SLO)."""
    candidate = HEALTHY.regressed(latency=2.0) if slow else HEALTHY
    events = simulate(
        n,
        control=HEALTHY,
        candidate=candidate,
        weights=[0.05],
        seed=seed,
        start=t,
        per_day=200_000,
        units=1_000_000,
        release=(release, release),
    )
    ingest(store, events, release=release, ts_window=None)
    return float(max(e["ts"] for e in events)) + 1.0


def _approve(store: Store, policy: Policy, release: str) -> None:
    for person in ("alice", "bob"):
        governance.approve(store, policy, release, "approve_changes", person)


@pytest.fixture
def rolled_back(store: Store, server_policy: Policy, released: str) -> str:
    """Started at T0, a healthy hour, then a slow candidate the monitor rolls back."""
    guards = GovernanceGuards(store, server_policy)
    start(store, server_policy, released, guards, Change(actor="alice", now=T0))
    t = _traffic(store, released, T0, 3000, seed=1, slow=False)
    t = _traffic(store, released, t, 6000, seed=2, slow=True)
    decision = Controller(store, server_policy, guards, actor="clearance-watch").tick(
        released, now=t
    )
    assert decision.action == "rollback", decision.reasons
    return released


def _svg(page: str, label: str) -> str:
    found = re.search(rf'<svg[^>]*aria-label="{label}[^"]*".*?</svg>', page, re.S)
    assert found, f"no chart labelled {label!r}"
    return found.group(0)


def test_the_rollback_mark_and_the_telemetry_share_the_rollout_clock(
    client: TestClient, tokens: dict[str, str], rolled_back: str
) -> None:
    sign_in(client, tokens["alice"])
    page = client.get(f"/ui/releases/{rolled_back}").text
    stages = _svg(page, "rollout stages")
    mark = re.search(r'data-mark="rollback".*?<line x1="([\d.]+)"', stages, re.S)
    rect = re.search(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', stages)
    assert mark and rect
    # the rollback ends the canary: its mark sits at the stage's right edge, not at the
    # wall clock's moment a year and a half away
    assert abs(float(mark.group(1)) - (float(rect.group(1)) + float(rect.group(2)))) < 2
    latency = _svg(page, "latency_ms")
    xs = [float(p.split(",")[0]) for p in re.findall(r"[\d.]+,[\d.]+", latency)]
    assert max(xs) - min(xs) > 0.8 * (440 - 60), "telemetry squeezed into a sliver"


def test_reasons_read_as_text_not_as_a_python_list(
    client: TestClient, tokens: dict[str, str], rolled_back: str
) -> None:
    sign_in(client, tokens["alice"])
    fragment = client.get(f"/ui/releases/{rolled_back}/timeline").text
    assert "FIRED latency_slo_breach" in fragment
    assert "[&#39;" not in fragment and "['" not in fragment


def test_a_finished_rollout_shows_the_evidence_it_ended_on(
    client: TestClient, tokens: dict[str, str], rolled_back: str
) -> None:
    sign_in(client, tokens["alice"])
    fragment = client.get(f"/ui/releases/{rolled_back}/timeline").text
    row = re.search(
        r'<tr class="trigger-fired" data-trigger="latency_slo_breach">.*?</tr>', fragment, re.S
    )
    assert row and "rollback" in row.group(0) and "e=" in row.group(0)
    assert 'data-stage="canary" data-state="rolled_back"' in fragment
    assert "the end of its last stage" in fragment
    assert "rolled back in &#39;canary&#39;: FIRED latency_slo_breach" in fragment
    assert 'id="rollback"' not in fragment and 'id="rollout-advance"' not in fragment


def test_stage_labels_never_overlap(
    client: TestClient, tokens: dict[str, str], store: Store, server_policy: Policy, released: str
) -> None:
    """Two stages of a second each, then a long one: the short ones show their number."""
    guards = GovernanceGuards(store, server_policy)
    start(store, server_policy, released, guards, Change(actor="alice", now=T0))
    _approve(store, server_policy, released)
    forced = Change(actor="alice", now=T0 + 1, force=True)
    advance(store, server_policy, released, guards, forced, check_minimums=True)
    sign_in(client, tokens["alice"])
    view = rollout_view(store, server_policy, released, "alice", now=None)
    assert view.current == "staged_rollout"
    page = client.get(f"/ui/releases/{released}").text
    chart = _svg(page, "rollout stages")
    labels = re.findall(r'<g class="stage".*?<text x="([\d.]+)"[^>]*>([^<]*)</text>', chart, re.S)
    spans = sorted((float(x), float(x) + 6.5 * len(text)) for x, text in labels)
    for (_, end), (begin, _) in itertools.pairwise(spans):
        assert end <= begin, f"stage labels overlap: {labels}"
    # every stage is named in the stage list, whatever fits in the chart
    for stage in ("canary", "staged_rollout", "full_rollout"):
        assert f'data-stage="{stage}"' in page


def test_the_section_says_the_stage_its_progress_and_what_comes_next(
    client: TestClient, tokens: dict[str, str], store: Store, server_policy: Policy, released: str
) -> None:
    guards = GovernanceGuards(store, server_policy)
    start(store, server_policy, released, guards, Change(actor="alice", now=T0))
    _traffic(store, released, T0, 400, seed=3, slow=False)
    sign_in(client, tokens["alice"])
    fragment = client.get(f"/ui/releases/{released}/timeline").text
    assert (
        '<b id="rollout-stage">canary</b>' in fragment
        and '<b id="rollout-weight">5%</b>' in fragment
    )
    progress = re.search(r'data-name="requests on the smaller arm">.*?</div></div>', fragment, re.S)
    assert progress and "of 50 requests on the smaller arm" in progress.group(0)
    assert re.search(r'<progress max="1" value="0\.\d+"', progress.group(0))
    assert "to enter &#39;staged_rollout&#39;: approval missing" in fragment
    assert 'data-trigger="latency_slo_breach"' in fragment
    _approve(store, server_policy, released)
    again = client.get(f"/ui/releases/{released}/timeline").text
    assert "approval missing" not in again and "no guard blocks it" in again


def test_only_the_steps_the_person_may_take_are_offered(
    client: TestClient, tokens: dict[str, str], store: Store, server_policy: Policy, released: str
) -> None:
    guards = GovernanceGuards(store, server_policy)
    start(store, server_policy, released, guards, Change(actor="alice", now=T0))
    _approve(store, server_policy, released)
    offered: dict[str, set[str]] = {}
    for person in ("alice", "rita", "mallory"):
        sign_in(client, tokens[person])
        fragment = client.get(f"/ui/releases/{released}/timeline").text
        offered[person] = set(
            re.findall(r'<button type="submit" id="(?:rollout-)?(\w+)"', fragment)
        )
    assert offered["alice"] == {"advance", "pause", "rollback"}
    assert offered["rita"] == {"pause", "rollback"}  # review_incidents: stop, not steer
    assert offered["mallory"] == set()
    sign_in(client, tokens["alice"])
    fragment = client.get(f"/ui/releases/{released}/timeline").text
    form = re.search(r'<form[^>]*rollout/advance"[^>]*>.*?</form>', fragment, re.S)
    assert form, fragment
    # the canary has 0 of its 50 requests: advancing skips that, so the form says so,
    # asks first, and sends force (recorded)
    assert 'data-confirm="Skip the unmet minimums of &#39;canary&#39;' in form.group(0)
    assert "0 of 50 requests on the smaller arm" in form.group(0)
    assert 'name="force" value="true"' in form.group(0) and "Force advance" in form.group(0)


def test_a_guard_holds_the_step_and_says_why(
    client: TestClient, tokens: dict[str, str], store: Store, server_policy: Policy, released: str
) -> None:
    guards = GovernanceGuards(store, server_policy)
    start(store, server_policy, released, guards, Change(actor="alice", now=T0))
    sign_in(client, tokens["alice"])
    fragment = client.get(f"/ui/releases/{released}/timeline").text
    held = re.search(r'<p class="held">.*?</p>', fragment, re.S)
    assert held and "disabled" in held.group(0) and "approval missing" in held.group(0)


def test_ui_leads_to_the_releases(client: TestClient, tokens: dict[str, str]) -> None:
    sign_in(client, tokens["alice"])
    for path in ("/ui", "/ui/", "/"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/ui/releases"


def test_the_view_reads_on_the_rollout_clock(
    store: Store, server_policy: Policy, rolled_back: str
) -> None:
    view = rollout_view(store, server_policy, rolled_back, "alice")
    assert view.final and view.status == "rolled_back"
    assert abs(view.clock.timestamp() - T0) < 86_400  # not the wall clock
    fired = [t for t in view.triggers if t.fired]
    assert [t.name for t in fired] == ["latency_slo_breach"] and fired[0].evidence == 1.0
    assert view.steps[0].state == "rolled_back" and view.steps[0].reasons


def test_a_policy_with_fewer_stages_than_the_rollout_reached_is_said_not_a_500(
    store: Store, server_policy: Policy, released: str, tokens: dict[str, str], tmp_path: Any
) -> None:
    """The server's policy now declares one stage; the rollout is in its second. The
    page says so and offers only the rollback; the controller refuses to look (a clear
    error, not an IndexError)."""
    import yaml
    from fastapi.testclient import TestClient as Client

    from clearance.errors import UsageError
    from clearance.policy import load_policy
    from clearance.server import create_app
    from server.serverkit import policy_data

    guards = GovernanceGuards(store, server_policy)
    start(store, server_policy, released, guards, Change(actor="alice", now=T0))
    _approve(store, server_policy, released)
    forced = Change(actor="alice", now=T0 + 1, force=True)
    advance(store, server_policy, released, guards, forced, check_minimums=True)
    data = policy_data()
    data["rollout"]["stages"] = data["rollout"]["stages"][:1]
    path = tmp_path / "shrunk.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    shrunk = load_policy(path)
    with pytest.raises(UsageError, match="declares only 1 stage"):
        Controller(store, shrunk, GovernanceGuards(store, shrunk)).tick(released, now=T0 + 2)
    with Client(create_app(store=store, policy=shrunk), base_url="http://127.0.0.1") as client:
        sign_in(client, tokens["alice"])
        page = client.get(f"/ui/releases/{released}")
        assert page.status_code == 200
        assert "the server&#39;s policy declares only 1 stage(s)" in page.text
        fragment = client.get(f"/ui/releases/{released}/timeline").text
        offered = set(re.findall(r'<button type="submit" id="(?:rollout-)?(\w+)"', fragment))
        assert offered == {"rollback"}

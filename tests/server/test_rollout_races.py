"""Concurrent rollout transitions, on SQLite and PostgreSQL: through a real HTTP server
(threads), through the dashboard's forms, and through the CLI (processes). No stage is
skipped, no approval bypassed, exactly one caller wins each version, and the final
state agrees with the audit log."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml

from clearance import governance
from clearance.policy import Policy, load_policy
from clearance.rollout import status
from clearance.server import create_app
from clearance.store import Store
from server.serverkit import RELEASE, SECRET, policy_data, record_check, serving

STAGES = [
    {"stage": "canary", "weight": 0.05},
    {"stage": "staged_rollout", "name": "stage20", "weight": 0.2},
    {"stage": "staged_rollout", "name": "stage50", "weight": 0.5, "approvals": ["approve_changes"]},
    {"stage": "full_rollout", "weight": 1.0},
]
"""canary -> stage20 -> stage50 (needs 2 approve_changes approvals) -> full."""
N = 6


@pytest.fixture
def race_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Policy:
    monkeypatch.setenv("SERVER_TEST_KEY", SECRET)
    data = policy_data()
    data["rollout"]["stages"] = STAGES
    path = tmp_path / "clearance.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_policy(path)


@pytest.fixture
def live(store: Store, race_policy: Policy) -> Iterator[str]:
    """A real uvicorn server on loopback over the store; yields its base URL."""
    record_check(store, race_policy)
    with serving(create_app(store=store, policy=race_policy)) as base:
        yield base


@pytest.fixture
def bearer(store: Store) -> Callable[[str], dict[str, str]]:
    tokens = {n: governance.create_user(store, n) for n in ("alice", "bob", "rita", "mallory")}
    return lambda name: {"Authorization": f"Bearer {tokens[name]}"}


def _together(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls at once (released by one barrier) and return their responses."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _post(base: str, verb: str, headers: dict[str, str], **body: Any) -> httpx.Response:
    url = f"{base}/v1/releases/{RELEASE}/rollout/{verb}"
    return httpx.post(url, json=body or None, headers=headers, timeout=60)


def _consistent(store: Store) -> None:
    """The stored state is one a sequence of legal transitions could reach, and the audit
    log tells the same story."""
    state = status(store, RELEASE)
    open_entries = [h for h in state.history if h.exited_at is None]
    if state.status == "rolled_back":
        assert state.weight == 0.0 and not open_entries, state
    else:
        assert len(open_entries) <= 1 and state.weight == STAGES[state.stage_index]["weight"]
    labels = [h.label for h in state.history]
    order = [s.get("name") or s["stage"] for s in STAGES]
    assert labels == order[: len(labels)], f"a stage was skipped: {labels}"
    log = governance.entries(store, subject=RELEASE)
    moves = [e for e in log if e.action.startswith("rollout.")]
    assert sum(e.action == "rollout.advanced" for e in moves) == len(state.history) - 1
    versions = [e.payload["version"] for e in moves]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    assert moves[-1].payload["version"] == state.version
    assert governance.verify(store).ok


def test_concurrent_advances_enter_one_stage_each_through_its_guards(
    store: Store, live: str, bearer: Callable[[str], dict[str, str]]
) -> None:
    assert _post(live, "start", bearer("alice")).status_code == 201
    answers = _together([lambda: _post(live, "advance", bearer("alice"))] * N)
    codes = sorted(r.status_code for r in answers)
    assert codes.count(200) == 1, [r.text for r in answers]
    assert all(c == 400 for c in codes if c != 200)
    assert all("approval missing" in r.json()["detail"] for r in answers if r.status_code == 400)
    state = status(store, RELEASE)
    assert state.stage == "stage20" and state.weight == 0.2
    _consistent(store)


def test_exactly_one_caller_wins_a_version(
    store: Store, live: str, bearer: Callable[[str], dict[str, str]]
) -> None:
    started = _post(live, "start", bearer("alice")).json()
    seen = started["version"]
    answers = _together(
        [lambda: _post(live, "advance", bearer("alice"), expected_version=seen)] * N
    )
    winners = [r for r in answers if r.status_code == 200]
    losers = [r for r in answers if r.status_code != 200]
    assert len(winners) == 1 and {r.status_code for r in losers} == {409}
    current = losers[0].json()["current"]
    assert current["version"] == winners[0].json()["version"] > seen
    assert current["stage"] == "stage20"
    stale = _post(live, "pause", bearer("rita"), expected_version=seen)
    assert stale.status_code == 409 and status(store, RELEASE).status == "running"
    _consistent(store)


@pytest.mark.parametrize("trial", range(4))
def test_advance_racing_rollback_ends_in_a_consistent_state(
    store: Store, live: str, bearer: Callable[[str], dict[str, str]], trial: int
) -> None:
    assert _post(live, "start", bearer("alice")).status_code == 201
    calls: list[Callable[[], httpx.Response]] = [
        lambda: _post(live, "advance", bearer("alice")),
        lambda: _post(live, "rollback", bearer("rita"), reason="race"),
        lambda: _post(live, "advance", bearer("bob")),
        lambda: _post(live, "pause", bearer("rita")),
    ]
    answers = _together(calls[trial:] + calls[:trial])
    assert all(r.status_code in (200, 400) for r in answers), [r.text for r in answers]
    state = status(store, RELEASE)
    assert state.status == "rolled_back" and state.weight == 0.0
    _consistent(store)


def test_approvals_cannot_be_raced_past_by_two_approvers(
    store: Store, live: str, bearer: Callable[[str], dict[str, str]]
) -> None:
    """Two approvers advance at once from stage20: stage50 needs both approvals, so
    neither may enter it before both are recorded, and full rollout is never reached."""
    _post(live, "start", bearer("alice"))
    _post(live, "advance", bearer("alice"))
    url = f"{live}/v1/releases/{RELEASE}/approvals"
    answers = _together(
        [
            lambda: httpx.post(url, json={}, headers=bearer("alice"), timeout=60),
            lambda: _post(live, "advance", bearer("alice")),
            lambda: _post(live, "advance", bearer("bob")),
            lambda: _post(live, "advance", bearer("alice")),
        ]
    )
    assert all(r.status_code in (200, 201, 400) for r in answers), [r.text for r in answers]
    state = status(store, RELEASE)
    assert state.stage == "stage20"  # one approval of two: stage50 stays closed
    _consistent(store)


def test_dashboard_forms_carry_the_version_and_a_stale_form_is_refused(
    store: Store, live: str, bearer: Callable[[str], dict[str, str]]
) -> None:
    from clearance.server._auth import csrf_token

    token = bearer("alice")["Authorization"].removeprefix("Bearer ")
    _post(live, "start", bearer("alice"))
    started = governance.start_session(store, token)
    assert started is not None
    secret = started[1]
    cookies = {"clearance_session": secret}
    page = httpx.get(f"{live}/ui/releases/{RELEASE}", cookies=cookies, timeout=30).text
    version = status(store, RELEASE).version
    assert f'name="version" value="{version}"' in page
    form = {"csrf": csrf_token(secret), "version": str(version)}
    url = f"{live}/ui/releases/{RELEASE}/rollout/advance"

    def submit() -> httpx.Response:
        return httpx.post(url, data=form, cookies=cookies, timeout=60)

    answers = _together([submit] * N)
    assert all(r.status_code == 303 for r in answers)
    errors = [parse_qs(urlsplit(r.headers["location"]).query).get("error") for r in answers]
    outcomes = [bool(e) for e in errors]
    assert outcomes.count(False) == 1, [r.headers["location"] for r in answers]
    assert status(store, RELEASE).stage == "stage20"
    _consistent(store)


def test_concurrent_cli_advances_in_processes(
    store: Store, store_url: str, race_policy: Policy, tmp_path: Path
) -> None:
    record_check(store, race_policy)
    assert race_policy.source is not None
    env = {**os.environ, "SERVER_TEST_KEY": SECRET, "CLEARANCE_DATABASE_URL": store_url}
    base = [sys.executable, "-m", "clearance", "rollout"]
    assert os.path.exists(race_policy.source.path)
    where = ["--policy", str(race_policy.source.path)]
    first = subprocess.run(
        [*base, "start", RELEASE, *where, "--as", "alice"], env=env, capture_output=True
    )
    assert first.returncode == 0, first.stderr
    # Each process imports everything first, then all run the command at the same instant.
    at = time.time() + 4
    script = (
        "import sys, time; from clearance.cli import run; "
        f"time.sleep(max(0, {at} - time.time())); sys.exit(run(sys.argv[1:]))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, "rollout", "advance", RELEASE, *where, "--as", "alice"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    results = []
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        results.append((proc.returncode, err.decode()))
    assert sorted(code for code, _ in results) == [0, 2, 2, 2], results
    assert all("approval missing" in err for code, err in results if code)
    assert all("Traceback" not in err for _, err in results)
    assert status(store, RELEASE).stage == "stage20"
    _consistent(store)


def test_a_local_policy_without_the_approvals_cannot_steer(
    store: Store, store_url: str, race_policy: Policy, tmp_path: Path
) -> None:
    """`rollout advance -p other.yaml` with the stage's approvals removed is refused, as
    approve and waive refuse a policy other than the one the release was checked with."""
    from clearance.cli import run

    record_check(store, race_policy)
    assert race_policy.source is not None
    data = yaml.safe_load(Path(race_policy.source.path).read_text())
    for stage in data["rollout"]["stages"]:
        stage.pop("approvals", None)
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(data, sort_keys=False))
    own = ["--policy", str(race_policy.source.path), "--db", store_url, "--as", "alice"]
    theirs = ["--policy", str(other), "--db", store_url, "--as", "alice"]
    assert run(["rollout", "start", RELEASE, *own]) == 0
    assert run(["rollout", "advance", RELEASE, *own]) == 0
    assert run(["rollout", "advance", RELEASE, *theirs]) == 2
    assert run(["rollout", "resume", RELEASE, *theirs]) == 2
    state = status(store, RELEASE)
    assert state.stage == "stage20"
    assert run(["rollout", "rollback", RELEASE, *own]) == 0

"""One rulebook: for every governed action and every person (one per duty, a person with
none, a service account), the CLI and the API give the same answer, and it is the
rulebook's. A refusal is a 403 from the API and exit 2 with "may not" from the CLI;
anything else means the person was allowed (the action may still fail on its guards)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearance import governance
from clearance.cli import run
from clearance.policy import Policy
from clearance.store import Store
from server.serverkit import PEOPLE, RELEASE

Cli = Callable[..., tuple[int, str]]


@pytest.fixture
def shell_cli(store_url: str, server_policy: Policy, capsys: pytest.CaptureFixture[str]) -> Cli:
    assert server_policy.source is not None
    where = ["--policy", str(server_policy.source.path), "--db", store_url]

    def call(*args: str, person: str) -> tuple[int, str]:
        capsys.readouterr()
        code = run([*args, *where, "--as", person])
        return code, capsys.readouterr().err

    return call


def _incident(store: Store, policy: Policy) -> int:
    return governance.open_incident(store, policy, RELEASE, "low", "slow answers", "mallory").id


# action -> (CLI argv builder, API call builder); each gets a fresh incident id where needed
CASES: dict[
    governance.Action, tuple[Callable[[int], list[str]], Callable[[int], tuple[str, str, Any]]]
] = {
    "approve": (
        lambda _: ["approve", RELEASE, "--role", "approve_changes"],
        lambda _: ("POST", f"/v1/releases/{RELEASE}/approvals", {"role": "approve_changes"}),
    ),
    "waive": (
        lambda _: ["waive", RELEASE, "safety", "--reason", "ok", "--expires", "14d"],
        lambda _: (
            "POST",
            f"/v1/releases/{RELEASE}/waivers",
            {"area": "safety", "reason": "ok", "expires": "14d"},
        ),
    ),
    "rollout.start": (
        lambda _: ["rollout", "start", RELEASE],
        lambda _: ("POST", f"/v1/releases/{RELEASE}/rollout/start", None),
    ),
    "rollout.advance": (
        lambda _: ["rollout", "advance", RELEASE],
        lambda _: ("POST", f"/v1/releases/{RELEASE}/rollout/advance", None),
    ),
    "rollout.pause": (
        lambda _: ["rollout", "pause", RELEASE],
        lambda _: ("POST", f"/v1/releases/{RELEASE}/rollout/pause", None),
    ),
    "rollout.resume": (
        lambda _: ["rollout", "resume", RELEASE],
        lambda _: ("POST", f"/v1/releases/{RELEASE}/rollout/resume", None),
    ),
    "rollout.rollback": (
        lambda _: ["rollout", "rollback", RELEASE],
        lambda _: ("POST", f"/v1/releases/{RELEASE}/rollout/rollback", None),
    ),
    "incident.open": (
        lambda _: ["incident", "open", RELEASE, "--title", "odd", "--severity", "low"],
        lambda _: (
            "POST",
            "/v1/incidents",
            {"release": RELEASE, "severity": "low", "title": "odd"},
        ),
    ),
    "incident.confirm": (
        lambda i: ["incident", "review", str(i), "--confirm"],
        lambda i: ("POST", f"/v1/incidents/{i}/review", {"confirm": True}),
    ),
    "incident.close": (
        lambda i: ["incident", "close", str(i)],
        lambda i: ("POST", f"/v1/incidents/{i}/close", {"note": "fixed"}),
    ),
    "user.add": (
        lambda _: ["user", "add", "newcomer", "--replace"],
        lambda _: ("POST", "/v1/users", {"name": "newcomer", "replace": True}),
    ),
}


@pytest.mark.slow
def test_cli_and_api_agree_with_the_rulebook_on_every_action_and_duty(
    client: TestClient,
    released: str,
    store: Store,
    server_policy: Policy,
    shell_cli: Cli,
    as_: Any,
) -> None:
    governance.create_user(store, "newcomer")
    disagreements = []
    for action, (argv, request) in CASES.items():
        for person in PEOPLE:
            expected = governance.may(
                server_policy, person, action, duty="approve_changes", area="safety"
            )
            code, err = shell_cli(*argv(_incident(store, server_policy)), person=person)
            cli_allowed = not (code == 2 and "may not" in err)
            method, path, body = request(_incident(store, server_policy))
            answer = client.request(method, path, json=body, headers=as_(person))
            api_allowed = answer.status_code != 403
            if person == "carol" and action == "approve":
                expected = False  # the release's author may not approve it (both shells)
            if not cli_allowed == api_allowed == expected:
                disagreements.append(
                    (
                        action,
                        person,
                        expected,
                        cli_allowed,
                        api_allowed,
                        err[:200],
                        answer.text[:200],
                    )
                )
    assert disagreements == [], "\n".join(map(str, disagreements))


def test_every_action_has_a_rule() -> None:
    for action in governance.ACTIONS:
        assert isinstance(governance.duties_for(action, duty="own_evals", area="cost"), tuple)


def test_the_cli_refuses_as_in_team_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLEARANCE_SERVER", "http://127.0.0.1:9")
    monkeypatch.setenv("CLEARANCE_TOKEN", "clr_x")
    assert run(["approve", RELEASE, "--role", "approve_changes", "--as", "alice"]) == 2
    assert "--as cannot be used with CLEARANCE_SERVER" in capsys.readouterr().err

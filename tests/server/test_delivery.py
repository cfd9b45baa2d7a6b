"""Argo Rollouts analysis and Flagger webhooks, replayed as the peers send them against
the real app over the ``store`` fixture (SQLite and PostgreSQL).

Argo's ``web`` metric provider GETs the URL with the template's headers and evaluates
``successCondition`` / ``failureCondition`` on the ``jsonPath`` of the body; Flagger
POSTs ``{name, namespace, phase, checksum, metadata}`` as JSON and reads only the status
(200 yes, anything above 202 no). The rollout runs on the wall clock, started two hours
ago, with simulated telemetry ingested since: healthy, or with a candidate three times
slower (over the policy's 500 ms latency SLO) that fires the rollback trigger.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance import governance
from clearance.policy import Policy, load_policy
from clearance.release import HOOKS, GovernanceGuards
from clearance.rollout import Change, Profile, advance, ingest, simulate, start, status
from clearance.server import create_app
from clearance.store import Store
from server.serverkit import RELEASE, SECRET, policy_data, record_check, serving

ARGO = "svc-argo"
"""Argo's service account: an approver (it records Argo's steps) by the policy."""
WATCH = "svc-watch"
"""A service account that may look and roll back (review_incidents), not advance."""
HEALTHY = Profile(latency_median_ms=200, latency_sigma=0.3)
ARGO_HEADERS = {"User-Agent": "Go-http-client/1.1", "Accept-Encoding": "gzip"}
"""What Argo's web provider adds to the template's headers on a GET."""
FLAGGER_HEADERS = {"Content-Type": "application/json", "User-Agent": "Go-http-client/1.1"}


TEMPLATE = yaml.safe_load("""
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: clearance
spec:
  args:
  - name: release
  - name: canary-weight
  - name: token
    valueFrom:
      secretKeyRef: {name: clearance-token, key: token}
  metrics:
  - name: clearance
    interval: 1m
    successCondition: result == 'promote'
    failureCondition: result == 'rollback'
    failureLimit: 0
    consecutiveSuccessLimit: 1
    inconclusiveLimit: 240
    provider:
      web:
        url: "http://clearance.clearance.svc:8000/v1/releases/{{args.release}}/analysis?weight={{args.canary-weight}}"
        headers:
        - key: Authorization
          value: "Bearer {{args.token}}"
        jsonPath: "{$.decision}"
""")
"""The AnalysisTemplate of docs/integrations.md, as Argo reads it."""
CANARY_HOOKS = yaml.safe_load("""
- {name: clearance-gate, type: rollout, url: http://clearance-auth.clearance/v1/flagger/gate,
   metadata: {release: bot@v2}}
- {name: clearance-increase, type: confirm-traffic-increase,
   url: http://clearance-auth.clearance/v1/flagger/confirm-traffic-increase,
   metadata: {release: bot@v2}}
- {name: clearance-promotion, type: confirm-promotion,
   url: http://clearance-auth.clearance/v1/flagger/confirm-promotion,
   metadata: {release: bot@v2}}
- {name: clearance-rollback, type: rollback, url: http://clearance-auth.clearance/v1/flagger/rollback,
   metadata: {release: bot@v2}}
""")
"""The Canary's webhooks of docs/integrations.md."""
HOOK_URL = {h["type"]: h["url"].split("/v1/")[1] for h in CANARY_HOOKS}


def flagger_body(phase: str = "Progressing", **metadata: str) -> dict[str, Any]:
    """A Flagger webhook payload, as Flagger marshals it."""
    return {
        "name": "podinfo",
        "namespace": "test",
        "phase": phase,
        "checksum": "6b5f7d8c9",
        "metadata": {**CANARY_HOOKS[0]["metadata"], **metadata},
    }


@pytest.fixture
def policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Policy:
    monkeypatch.setenv("SERVER_TEST_KEY", SECRET)
    data = policy_data()
    approvers = data["owners"]["approve_changes"]
    data["owners"]["approve_changes"] = {**approvers, "people": [*approvers["people"], ARGO]}
    data["owners"]["review_incidents"] = ["rita", WATCH]
    data["rollout"]["stages"][1]["min_samples"] = 50  # staged_rollout advances on evidence
    path = tmp_path / "clearance.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_policy(path)


@pytest.fixture
def tokens(store: Store) -> dict[str, str]:
    return {n: governance.create_user(store, n) for n in (ARGO, WATCH, "mallory", "alice")}


@pytest.fixture
def app(store: Store, policy: Policy) -> Any:
    record_check(store, policy)
    return create_app(store=store, policy=policy)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def base(app: Any) -> Iterator[str]:
    with serving(app) as url:
        yield url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def started(store: Store, policy: Policy, ago_s: float = 7200.0) -> float:
    """Start the rollout ``ago_s`` seconds ago, as a person would; its start time."""
    t0 = time.time() - ago_s
    start(store, policy, RELEASE, GovernanceGuards(store, policy), Change("alice", now=t0))
    return t0


def traffic(
    store: Store, t: float, n: int, seed: int, *, slow: bool = False, share: float = 0.05
) -> float:
    """``n`` simulated requests from ``t`` at the canary's 5% ``share`` (about 45 minutes
    for 9,000); the candidate three times slower when ``slow``."""
    candidate = HEALTHY.regressed(latency=2.0) if slow else HEALTHY
    events = simulate(
        n,
        control=HEALTHY,
        candidate=candidate,
        weights=[share],
        seed=seed,
        start=t,
        per_day=200_000,
        units=1_000_000,
        release=(RELEASE, RELEASE),
    )
    ingest(store, events, release=RELEASE, ts_window=None)
    return float(max(e["ts"] for e in events)) + 1.0


def approve(store: Store, policy: Policy) -> None:
    for person in ("alice", "bob"):
        governance.approve(store, policy, RELEASE, "approve_changes", person)


def argo_measure(body: dict[str, Any]) -> str:
    """The measurement's phase under the documented template's ``jsonPath`` and
    conditions (each of the form ``result == '<decision>'``)."""
    (metric,) = TEMPLATE["spec"]["metrics"]
    assert metric["provider"]["web"]["jsonPath"] == "{$.decision}"
    result = body["decision"]
    if metric["failureCondition"] == f"result == '{result}'":
        return "Failed"
    return "Successful" if metric["successCondition"] == f"result == '{result}'" else "Inconclusive"


def argo_get(base: str, token: str, weight: str = "5") -> httpx.Response:
    """The GET Argo's web provider sends for the documented template, its args
    substituted (the server's address for the Service's)."""
    web = TEMPLATE["spec"]["metrics"][0]["provider"]["web"]
    args = {"release": RELEASE, "canary-weight": weight, "token": token}
    url, headers = web["url"], {h["key"]: h["value"] for h in web["headers"]}
    for name, value in args.items():
        url = url.replace(f"{{{{args.{name}}}}}", value)
        headers = {k: v.replace(f"{{{{args.{name}}}}}", value) for k, v in headers.items()}
    url = url.replace("http://clearance.clearance.svc:8000", base)
    return httpx.get(url, headers={**ARGO_HEADERS, **headers}, timeout=30)


def flagger_post(base: str, token: str | None, hook: str, body: Any) -> httpx.Response:
    """Flagger's POST to the documented webhook of ``hook``'s type (through the proxy
    that adds the token, when one is given)."""
    path = HOOK_URL.get("rollout" if hook == "gate" else hook, f"flagger/{hook}")
    headers = {**FLAGGER_HEADERS, **(bearer(token) if token else {})}
    return httpx.post(f"{base}/v1/{path}", content=json.dumps(body), headers=headers, timeout=30)


def audit(store: Store, action: str) -> list[tuple[str, dict[str, Any]]]:
    """``(actor, payload)`` of the audit entries ``action`` about the release, oldest first."""
    with store.transaction() as tx:
        found = tx.audit.search(action=action, subject=RELEASE, newest_first=False)
    return [(e.actor, json.loads(e.payload)) for e in found]


# --------------------------------------------------------------------------- Argo


def test_argo_keeps_the_canary_running_while_clearance_collects(
    base: str, store: Store, policy: Policy, tokens: dict[str, str]
) -> None:
    t0 = started(store, policy)
    traffic(store, t0 + 1, 400, seed=3)
    response = argo_get(base, tokens[ARGO])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["decision"] == "continue" and argo_measure(body) == "Inconclusive"
    assert body["stage"] == "canary" and body["weight"] == 0.05
    assert 0 < body["n_candidate"] < 50 and body["n_control"] > 300
    (trigger,) = body["triggers"]
    # it fires at 1/alpha of its share (part of the 0.05 goes to the sample-ratio check)
    assert trigger["name"] == "latency_slo_breach" and trigger["threshold"] > 20
    assert any("requests on the smaller arm" in r for r in body["reasons"])


def test_argo_is_told_to_promote_once_the_evidence_and_the_guards_allow(
    base: str, store: Store, policy: Policy, tokens: dict[str, str]
) -> None:
    t0 = started(store, policy)
    traffic(store, t0 + 1, 3000, seed=1)
    held = argo_get(base, tokens[ARGO]).json()
    # the monitor would advance, but staged_rollout needs two approvals: keep measuring
    assert held["decision"] == "continue", held
    assert any("approval missing" in h for h in held["held_by"])
    approve(store, policy)
    body = argo_get(base, tokens[ARGO]).json()
    assert body["decision"] == "promote" and argo_measure(body) == "Successful"
    assert body["triggers"][0]["e_value"] < body["triggers"][0]["threshold"]


def test_argo_aborts_on_a_latency_regression_and_clearance_records_the_rollback(
    base: str, store: Store, policy: Policy, tokens: dict[str, str]
) -> None:
    t0 = started(store, policy)
    t = traffic(store, t0 + 1, 3000, seed=1)
    traffic(store, t, 6000, seed=2, slow=True)
    response = argo_get(base, tokens[WATCH])
    body = response.json()
    assert response.status_code == 200, response.text
    assert body["decision"] == "rollback" and argo_measure(body) == "Failed"
    assert body["triggers"][0]["fired"] and body["recorded"] == ["rollback: left 'canary'"]
    assert status(store, RELEASE).status == "rolled_back"
    ((actor, payload),) = audit(store, "rollout.rolled_back")
    assert actor == WATCH and "argo: the monitor decided rollback" in payload["reasons"]
    # asked again (Argo's next interval): still rollback, nothing recorded twice
    again = argo_get(base, tokens[WATCH]).json()
    assert again["decision"] == "rollback" and again["recorded"] == []


def test_argo_steps_are_recorded_as_rollout_transitions(
    base: str, store: Store, policy: Policy, tokens: dict[str, str]
) -> None:
    first = argo_get(base, tokens[ARGO], weight="5")
    assert first.status_code == 200, first.text
    assert first.json()["recorded"] == ["start: entered 'canary'"]
    assert status(store, RELEASE).stage == "canary"
    # the same weight again changes nothing
    assert argo_get(base, tokens[ARGO], weight="5").json()["recorded"] == []
    # setWeight 50 before the approvals: the guard refuses (Argo counts an Error)
    refused = argo_get(base, tokens[ARGO], weight="50")
    assert refused.status_code == 400 and "approval missing" in refused.json()["detail"]
    approve(store, policy)
    moved = argo_get(base, tokens[ARGO], weight="50").json()
    assert moved["recorded"] == ["advance: entered 'staged_rollout'"] and moved["weight"] == 0.5
    ((actor, payload),) = audit(store, "rollout.advanced")
    assert actor == ARGO and payload["forced"] is True
    assert "argo: canary weight 0.5" in payload["reasons"]
    # a weight no stage has is refused; a service account without approve_changes may
    # look but not record a step
    assert argo_get(base, tokens[ARGO], weight="70").status_code == 400
    assert argo_get(base, tokens[WATCH], weight="100").status_code == 403
    # the documented last step (setWeight 100) records the completion
    done = argo_get(base, tokens[ARGO], weight="100").json()
    assert done["status"] == "completed" and done["decision"] == "promote"
    assert done["recorded"] == ["advance: entered 'full_rollout'"]


def test_argo_unknown_release_bad_token_and_bad_weight(
    base: str, client: TestClient, tokens: dict[str, str]
) -> None:
    unknown = httpx.get(f"{base}/v1/releases/nope@v9/analysis", headers=bearer(tokens[ARGO]))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert argo_get(base, "not-a-token").status_code == 401
    assert httpx.get(f"{base}/v1/releases/{RELEASE}/analysis").status_code == 401
    assert argo_get(base, tokens["mallory"]).status_code == 403
    for weight in ("-1", "101", "nan", "inf", "five", ""):
        response = argo_get(base, tokens[ARGO], weight=weight)
        assert response.status_code == 422, (weight, response.text)


# --------------------------------------------------------------------------- Flagger


def test_flagger_holds_the_traffic_increase_while_clearance_collects(
    base: str, store: Store, policy: Policy, tokens: dict[str, str]
) -> None:
    token = tokens[ARGO]
    # the first increase (0 -> the first step) starts the rollout in clearance
    first = flagger_post(base, token, "confirm-traffic-increase", flagger_body())
    assert first.status_code == 200, first.text
    assert first.json()["recorded"] == ["start: entered 'canary'"]
    entry = status(store, RELEASE).stage_entered_at.timestamp()
    traffic(store, entry - 3600, 200, seed=5)  # before the stage: not its evidence
    assert flagger_post(base, token, "gate", flagger_body()).status_code == 200
    held = flagger_post(base, token, "confirm-traffic-increase", flagger_body())
    assert held.status_code == 412 and held.json()["decision"] == "continue"
    assert flagger_post(base, token, "rollback", flagger_body()).status_code == 412
    promotion = flagger_post(base, token, "confirm-promotion", flagger_body("WaitingPromotion"))
    assert promotion.status_code == 412
    assert status(store, RELEASE).stage == "canary"


def test_flagger_increases_traffic_when_clearance_promotes(
    base: str, store: Store, policy: Policy, tokens: dict[str, str]
) -> None:
    t0 = started(store, policy)
    traffic(store, t0 + 1, 3000, seed=1)
    no = flagger_post(base, tokens[ARGO], "confirm-traffic-increase", flagger_body())
    assert no.status_code == 412 and any("approval missing" in h for h in no.json()["held_by"])
    approve(store, policy)
    early = flagger_post(base, tokens[ARGO], "confirm-promotion", flagger_body("WaitingPromotion"))
    assert early.status_code == 412
    assert "clearance stage(s) left before the full rollout" in early.json()["reasons"][0]
    yes = flagger_post(base, tokens[ARGO], "confirm-traffic-increase", flagger_body())
    assert yes.status_code == 200, yes.text
    assert yes.json()["recorded"] == ["advance: entered 'staged_rollout' (running)"]
    ((actor, payload),) = audit(store, "rollout.advanced")
    assert actor == ARGO
    assert payload["reasons"] == ["flagger: confirm-traffic-increase (Progressing)"]


def test_flagger_promotes_from_the_last_stage_before_the_full_rollout(
    base: str, store: Store, policy: Policy, tokens: dict[str, str]
) -> None:
    t0 = started(store, policy)
    approve(store, policy)
    forced = Change("alice", now=t0 + 60, force=True)
    advance(store, policy, RELEASE, GovernanceGuards(store, policy), forced, check_minimums=True)
    traffic(store, t0 + 61, 400, seed=7, share=0.5)
    increase = flagger_post(base, tokens[ARGO], "confirm-traffic-increase", flagger_body())
    assert increase.status_code == 412  # the next step is Flagger's promotion, not a weight
    yes = flagger_post(base, tokens[ARGO], "confirm-promotion", flagger_body("WaitingPromotion"))
    assert yes.status_code == 200, yes.text
    assert yes.json()["status"] == "completed" and status(store, RELEASE).status == "completed"
    again = flagger_post(base, tokens[ARGO], "confirm-promotion", flagger_body("Promoting"))
    assert again.status_code == 200 and again.json()["recorded"] == []


def test_flagger_rolls_back_on_a_latency_regression(
    base: str, store: Store, policy: Policy, tokens: dict[str, str]
) -> None:
    t0 = started(store, policy)
    t = traffic(store, t0 + 1, 3000, seed=1)
    traffic(store, t, 6000, seed=2, slow=True)
    gate = flagger_post(base, tokens[WATCH], "gate", flagger_body())
    assert gate.status_code == 412 and gate.json()["decision"] == "rollback"
    assert status(store, RELEASE).status == "rolled_back"
    polled = flagger_post(base, tokens[WATCH], "rollback", flagger_body())
    assert polled.status_code == 200 and polled.json()["recorded"] == []
    assert len(audit(store, "rollout.rolled_back")) == 1


def test_flagger_unknown_release_bad_token_and_unknown_hook(
    base: str, tokens: dict[str, str]
) -> None:
    body = flagger_body()
    del body["metadata"]  # podinfo.test: no such release
    unknown = flagger_post(base, tokens[ARGO], "gate", body)
    assert unknown.status_code == 404
    assert "podinfo.test" in unknown.json()["detail"]
    assert flagger_post(base, None, "gate", flagger_body()).status_code == 401
    assert flagger_post(base, "not-a-token", "gate", flagger_body()).status_code == 401
    assert flagger_post(base, tokens["mallory"], "gate", flagger_body()).status_code == 403
    assert flagger_post(base, tokens[ARGO], "pre-rollout", flagger_body()).status_code == 422
    for bad in ({"phase": "Progressing\x00"}, {"name": "Pod Info"}, {"namespace": ""}):
        response = flagger_post(
            base, tokens[ARGO], "confirm-traffic-increase", flagger_body() | bad
        )
        assert response.status_code == 422, (bad, response.text)


@pytest.mark.parametrize("name", ["bad\x00name", "\ud800", "x" * 300, "a/b", " "])
def test_hostile_release_names_get_a_problem(
    client: TestClient, tokens: dict[str, str], name: str
) -> None:
    headers = {**FLAGGER_HEADERS, **bearer(tokens[WATCH])}
    body = json.dumps(flagger_body(release=name)).encode()
    response = client.post("/v1/flagger/gate", content=body, headers=headers)
    assert response.status_code == 422, response.text
    path = f"/v1/releases/{quote(name, safe='', errors='surrogatepass')}/analysis"
    argo = client.get(path, headers=bearer(tokens[WATCH]))
    assert 400 <= argo.status_code < 500, argo.text


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def _mutated() -> st.SearchStrategy[bytes]:
    valid = flagger_body()

    def replace(key: str, value: Any) -> bytes:
        return json.dumps({**valid, key: value}, default=str).encode()

    keys = st.sampled_from([*valid, "metadata"])
    return st.one_of(
        st.binary(max_size=200),
        _JSON.map(lambda v: json.dumps(v).encode()),
        st.builds(replace, keys, _JSON),
        st.integers(0, 120).map(lambda n: json.dumps(valid).encode()[:n]),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=_mutated(), hook=st.sampled_from(HOOKS), who=st.sampled_from([ARGO, WATCH]))
def test_fuzzed_flagger_bodies_get_a_problem_never_a_500(
    client: TestClient, tokens: dict[str, str], raw: bytes, hook: str, who: str
) -> None:
    headers = {**FLAGGER_HEADERS, **bearer(tokens[who])}
    response = client.post(f"/v1/flagger/{hook}", content=raw, headers=headers)
    assert response.status_code in (200, 400, 403, 404, 409, 412, 413, 422), response.text
    if response.status_code not in (200, 412):
        assert response.headers["content-type"] == "application/problem+json"
        assert "Traceback" not in response.text


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(weight=st.text(max_size=12))
def test_fuzzed_argo_weights_get_a_problem_never_a_500(
    client: TestClient, tokens: dict[str, str], weight: str
) -> None:
    response = client.get(
        f"/v1/releases/{RELEASE}/analysis", params={"weight": weight}, headers=bearer(tokens[WATCH])
    )
    assert response.status_code in (200, 400, 403, 409, 422), response.text
    if response.status_code != 200:
        assert response.headers["content-type"] == "application/problem+json"


def test_a_large_flagger_body_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    body = flagger_body(padding="x" * 70_000)
    headers = {**FLAGGER_HEADERS, **bearer(tokens[WATCH])}
    response = client.post("/v1/flagger/gate", content=json.dumps(body), headers=headers)
    assert response.status_code == 413

"""LiteLLM proxy logs over the API (``POST /v1/litellm``): the documented payload shape
stored as telemetry on SQLite and PostgreSQL, per-item rejects, limits, malformed bodies
fuzzed; and ``GET /v1/litellm/weights`` following the rollout into a proxy config."""

from __future__ import annotations

import copy
import gzip
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from clearance.policy import Policy
from clearance.rollout import RolloutState, litellm_weights, payload_event
from clearance.rollout._litellm import Deployments, ItemRefused
from clearance.server import create_app
from clearance.server.api.events import MAX_BODY_BYTES, MAX_EVENTS
from clearance.store import Store
from clearance.store._tables import TelemetryRow
from server.serverkit import serving

FIXTURES = Path(__file__).parents[1] / "fixtures" / "litellm"
CANDIDATE, CONTROL = "bot-v2-east", "bot-v1-east"
QUERY = {"release": "bot@v2", "candidate": CANDIDATE, "control": CONTROL}
URL = f"/v1/litellm?release=bot@v2&candidate={CANDIDATE}&control={CONTROL}"
NOW = time.time() - 3600
"""An hour ago: inside the server's ingest window."""


def _doc(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def _log(name: str = "success.json", i: int = 0, **over: Any) -> dict[str, Any]:
    """A fixture payload moved to the last hour (``i`` seconds on), with a fresh id."""
    log = _doc(name)
    shift = NOW + i - log["startTime"]
    for key in ("startTime", "endTime", "completionStartTime"):
        log[key] += shift
    log["id"] = f"{log['id'][:60]}-{i}"
    log["trace_id"] = f"trace-{i}"
    log.update(over)
    return log


def _rows(store: Store) -> list[TelemetryRow]:
    with store.session() as session:
        rows = list(session.scalars(select(TelemetryRow).order_by(TelemetryRow.ts)))
        session.expunge_all()
    return rows


def test_the_documented_payloads_become_events(client: TestClient, as_: Any, store: Store) -> None:
    success, failure = _log("success.json", 0), _log("failure.json", 1)
    response = client.post(URL, json=[success, failure], headers=as_("mallory"))
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 2 and response.json()["rejected"] == 0
    ok, failed = _rows(store)
    assert (ok.release, ok.arm, ok.event_id, ok.unit) == (
        "bot@v2",
        "candidate",
        success["id"],
        "trace-0",
    )
    assert ok.latency_ms == pytest.approx(880.0, abs=0.01)
    assert (ok.input_tokens, ok.output_tokens, ok.cost_usd) == (60, 50, 0.000215)
    assert ok.ts.timestamp() == pytest.approx(success["startTime"], abs=1e-3)
    assert ok.attributes["litellm.model_id"] == CANDIDATE
    assert ok.attributes["litellm.status"] == "success"
    assert failed.arm == "control" and failed.attributes["litellm.status"] == "failure"
    # a failure carries no metric: LiteLLM's zero tokens and cost are not measurements
    assert (failed.latency_ms, failed.input_tokens, failed.cost_usd) == (None, None, None)
    assert failed.attributes["litellm.error_class"] == "RateLimitError"
    assert failed.attributes["litellm.error_code"] == "429"
    assert "traceback" not in json.dumps(failed.attributes)


def test_ndjson_and_single_objects_are_read_and_retries_stored_once(
    client: TestClient, as_: Any, store: Store
) -> None:
    logs = [_log(i=i) for i in range(5)]
    ndjson = "\n".join(json.dumps(x) for x in logs) + "\n"
    first = client.post(URL, content=ndjson, headers=as_("alice")).json()
    assert first["accepted"] == 5
    again = client.post(URL, content=json.dumps(logs[0]), headers=as_("alice")).json()
    assert again == {**again, "accepted": 0, "duplicates": 1}
    assert len(_rows(store)) == 5


def test_unknown_deployments_are_rejected_per_item_never_guessed(
    client: TestClient, as_: Any, store: Store
) -> None:
    batch = [
        _log(i=0),
        _log(i=1, model_id="bot-v3-west", hidden_params={}),
        _log(i=2, model_id=None, hidden_params={}),
        _log(i=3, cache_hit=True),
        7,
        _log(i=5, startTime="yesterday"),
        _log(i=6, model_id=None),  # hidden_params.model_id still names the candidate
    ]
    body = client.post(URL, json=batch, headers=as_("alice")).json()
    assert body["accepted"] == 2 and body["rejected"] == 5
    rejects = {r["line"]: r["error"] for r in body["rejects"]}
    assert list(rejects) == [2, 3, 4, 5, 6]
    assert "'bot-v3-west' is neither" in rejects[2] and "model_info.id" in rejects[3]
    assert "cache hit" in rejects[4] and "JSON object" in rejects[5]
    assert rejects[6].startswith("ts:")
    assert [r["index"] for r in body["rejects"]] == [1, 2, 3, 4, 5]
    assert {r.arm for r in _rows(store)} == {"candidate"}


def test_ndjson_lines_that_are_not_json_are_rejected_by_line(client: TestClient, as_: Any) -> None:
    body = "\n".join([json.dumps(_log(i=0)), "{oops", "", json.dumps(_log(i=3))])
    report = client.post(URL, content=body, headers=as_("alice")).json()
    assert report["accepted"] == 2
    assert [(r["line"], r["error"][:8]) for r in report["rejects"]] == [(2, "not JSON")]


def test_unit_source_is_chosen_in_the_url(client: TestClient, as_: Any, store: Store) -> None:
    url = URL + "&unit=end_user"
    client.post(url, json=[_log(i=0), _log("failure.json", 1)], headers=as_("alice"))
    assert [r.unit for r in _rows(store)] == ["customer-4711", None]
    key = client.post(URL + "&unit=user_api_key_hash", json=[_log(i=2)], headers=as_("alice"))
    assert key.json()["accepted"] == 1
    assert _rows(store)[-1].unit == _doc("success.json")["metadata"]["user_api_key_hash"]


def test_only_telemetry_senders_may_send_and_each_batch_is_audited(
    client: TestClient, as_: Any, store: Store
) -> None:
    assert client.post(URL, json=[_log()]).status_code == 401
    assert client.post(URL, json=[_log()], headers=as_("bob")).status_code == 403
    assert client.post(URL, json=[_log()], headers=as_("svc-gateway")).status_code == 200
    log = client.get("/v1/audit?subject=bot@v2", headers=as_("alice")).json()
    entry = log[-1]
    assert (entry["actor"], entry["action"]) == ("svc-gateway", "telemetry.ingested")
    assert entry["payload"]["accepted"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "release=bot@v2&candidate=a",
        "release=bot@v2&control=b",
        "candidate=a&control=b",
        "release=bot@v2&candidate=a&control=a",
        "release=&candidate=a&control=b",
        "release=bot@v2&candidate=a&control=b&unit=ip",
        "release=bot@v2&candidate=&control=b",
        "release=bot@v2&control=b&" + "&".join(f"candidate=c{i}" for i in range(51)),
    ],
)
def test_a_bad_callback_url_is_a_422(client: TestClient, as_: Any, query: str) -> None:
    response = client.post(f"/v1/litellm?{query}", json=[_log()], headers=as_("alice"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_bodies_that_are_not_logs_are_a_422(client: TestClient, as_: Any) -> None:
    for body in (b"", b"42", b'"text"', b"[{", b"null", b"\xff\xfe", b"not json\nnor this"):
        response = client.post(URL, content=body, headers=as_("alice"))
        assert response.status_code == 422, (body, response.text)
    zipped = gzip.compress(json.dumps([_log()]).encode())
    headers = {**as_("alice"), "Content-Encoding": "gzip"}
    assert client.post(URL, content=zipped, headers=headers).status_code == 415


def test_body_limits(client: TestClient, as_: Any) -> None:
    big = b"[" + b" " * MAX_BODY_BYTES + b"]"
    assert client.post(URL, content=big, headers=as_("alice")).status_code == 413
    many = "\n".join(["{}"] * (MAX_EVENTS + 1))
    too_many = client.post(URL, content=many, headers=as_("alice"))
    assert too_many.status_code == 422 and "at most" in too_many.json()["detail"]


_JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_KEYS = sorted(_doc("success.json"))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    drops=st.lists(st.sampled_from(_KEYS), max_size=6),
    swaps=st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=6),
    cut=st.integers(min_value=0, max_value=4000),
    ndjson=st.booleans(),
)
def test_mutated_logs_are_a_report_or_a_422_never_a_500(
    client: TestClient,
    as_: Any,
    drops: list[str],
    swaps: dict[str, Any],
    cut: int,
    ndjson: bool,
) -> None:
    log = _log(i=int(time.monotonic_ns() % 1000))
    for key in drops:
        log.pop(key, None)
    log.update(swaps)
    text = json.dumps(log) if ndjson else json.dumps([log, _log(i=1)])
    for body in (text.encode(), text.encode()[:cut]):
        response = client.post(URL, content=body, headers=as_("alice"))
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            report = response.json()
            assert report["rejected"] == len(report["rejects"])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300))
def test_random_bytes_are_a_report_or_a_422(client: TestClient, as_: Any, body: bytes) -> None:
    response = client.post(URL, content=body, headers=as_("alice"))
    assert response.status_code in (200, 422), response.text


def test_payload_event_maps_the_fields() -> None:
    deployments = Deployments.of([CANDIDATE], [CONTROL])
    log = _log(i=0, stream=True)
    event = payload_event(log, deployments, "bot@v2", "id")
    assert event["unit"] == log["id"] and event["event_id"] == log["id"]
    assert event["litellm.ttft_ms"] == pytest.approx(880.0, abs=0.01)
    with pytest.raises(ItemRefused):
        payload_event(_log(i=0, model_id="other", hidden_params=None), deployments, "bot@v2")
    with pytest.raises(ValueError, match="both arms"):
        Deployments.of(["a"], ["a", "b"])


def _state(status: str, weight: float, audience: str = "everyone") -> RolloutState:
    now = "2026-01-01T00:00:00Z"
    return RolloutState.model_validate(
        {
            "release": "bot@v2",
            "status": status,
            "stage_index": 1,
            "stage": "canary",
            "weight": weight,
            "audience": audience,
            "salt": "s",
            "version": 3,
            "started_at": now,
            "updated_at": now,
            "stage_entered_at": now,
        }
    )


def test_litellm_weights_follow_the_rollout() -> None:
    def weights(
        state: RolloutState | None, cand: tuple[str, ...] = (CANDIDATE,)
    ) -> dict[str, float]:
        found = litellm_weights(state, cand, [CONTROL])
        return {e["model_info"]["id"]: e["litellm_params"]["weight"] for e in found["model_list"]}

    assert weights(None) == {CANDIDATE: 0.0, CONTROL: 1.0}
    assert weights(_state("running", 0.05)) == {CANDIDATE: 0.05, CONTROL: 0.95}
    assert weights(_state("paused", 0.25)) == {CANDIDATE: 0.25, CONTROL: 0.75}
    assert weights(_state("rolled_back", 0.0)) == {CANDIDATE: 0.0, CONTROL: 1.0}
    assert weights(_state("completed", 1.0)) == {CANDIDATE: 1.0, CONTROL: 0.0}
    assert weights(_state("running", 1.0, "internal")) == {CANDIDATE: 0.0, CONTROL: 1.0}
    split = weights(_state("running", 0.5), ("c1", "c2"))
    assert split == {"c1": 0.25, "c2": 0.25, CONTROL: 0.5}


def test_weights_recipe_writes_the_proxy_config_as_the_rollout_moves(
    store: Store, server_policy: Policy, released: str, tokens: dict[str, str], tmp_path: Path
) -> None:
    """The documented recipe, over real HTTP: apply_weights.py reads the weights route and
    rewrites the proxy config's model_list weights at each rollout step."""
    config = tmp_path / "proxy_config.yaml"
    config.write_text((FIXTURES / "proxy_config.yaml").read_text())
    auth = {"Authorization": f"Bearer {tokens['alice']}"}

    def apply(base: str) -> dict[str, float]:
        url = httpx.URL(f"{base}/v1/litellm/weights", params=QUERY)
        script = [sys.executable, str(FIXTURES / "apply_weights.py"), str(config), str(url)]
        subprocess.run([*script, tokens["mallory"]], check=True, timeout=60)
        data = yaml.safe_load(config.read_text())
        return {d["model_info"]["id"]: d["litellm_params"]["weight"] for d in data["model_list"]}

    with serving(create_app(store=store, policy=server_policy)) as base:
        assert apply(base) == {CONTROL: 1.0, CANDIDATE: 0.0}
        rollout = f"{base}/v1/releases/{released}/rollout"
        assert httpx.post(f"{rollout}/start", headers=auth, json={}).status_code == 201
        assert apply(base) == {CONTROL: 0.95, CANDIDATE: 0.05}
        assert httpx.post(f"{rollout}/rollback", headers=auth, json={}).status_code == 200
        assert apply(base) == {CONTROL: 1.0, CANDIDATE: 0.0}
        answer = httpx.get(f"{base}/v1/litellm/weights", params=QUERY, headers=auth).json()
        assert answer["status"] == "rolled_back" and "control" in answer["note"]
        bad = httpx.get(
            f"{base}/v1/litellm/weights", params={**QUERY, "control": CANDIDATE}, headers=auth
        )
        assert bad.status_code == 422
    config_text = (FIXTURES / "proxy_config.yaml").read_text()
    callback = yaml.safe_load(config_text)["callback_settings"]["clearance"]
    assert callback["endpoint"].endswith(URL) and callback["callback_type"] == "generic_api"


def test_a_real_http_sender_as_the_proxy_sends(
    store: Store, server_policy: Policy, tokens: dict[str, str]
) -> None:
    """What LiteLLM's generic_api logger sends (its headers, ndjson body), over a socket."""
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {tokens['svc-gateway']}",
    }
    body = "\n".join(json.dumps(_log(i=i)) for i in range(3))
    with serving(create_app(store=store, policy=server_policy)) as base:
        response = httpx.post(f"{base}{URL}", content=body, headers=headers)
    assert response.status_code == 200 and response.json()["accepted"] == 3
    assert len(_rows(store)) == 3


def test_deepcopy_of_the_fixture_is_not_mutated() -> None:
    log = _doc("success.json")
    before = copy.deepcopy(log)
    payload_event(log, Deployments.of([CANDIDATE], [CONTROL]), "bot@v2")
    assert log == before


def _captured() -> list[dict[str, Any]]:
    """Logs LiteLLM 1.110.2 sent (send_logs.py), moved to the last hour."""
    text = (FIXTURES / "captured-1.110.2.ndjson").read_text()
    logs = [json.loads(line) for line in text.splitlines() if line.strip()]
    shift = NOW - min(log["startTime"] for log in logs)
    for log in logs:
        for key in ("startTime", "endTime", "completionStartTime"):
            log[key] += shift
    return logs


def test_logs_captured_from_litellm_are_stored(client: TestClient, as_: Any, store: Store) -> None:
    logs = _captured()
    body = "\n".join(json.dumps(log) for log in logs)
    report = client.post(URL, content=body, headers=as_("alice")).json()
    assert report["accepted"] == 4 and report["rejected"] == 0
    rows = {r.event_id: r for r in _rows(store)}
    for log in logs:
        row = rows[log["id"]]
        assert row.arm == ("candidate" if log["model_id"] == CANDIDATE else "control")
        assert row.unit == log["trace_id"]
        if log["status"] == "success":
            assert row.input_tokens == log["prompt_tokens"] and row.cost_usd == log["response_cost"]
            assert row.latency_ms == pytest.approx((log["endTime"] - log["startTime"]) * 1000)
        else:
            assert row.latency_ms is None and row.attributes["litellm.error_class"] == "Timeout"


def _litellm_python() -> str | None:
    """A Python with litellm installed (LITELLM_PYTHON, or /tmp/litellm-venv)."""
    for found in (os.environ.get("LITELLM_PYTHON"), "/tmp/litellm-venv/bin/python"):
        if found and Path(found).exists():
            probe = subprocess.run(
                [found, "-c", "import litellm"], capture_output=True, timeout=120
            )
            if probe.returncode == 0:
                return found
    return None


@pytest.mark.slow
def test_litellm_itself_sends_its_logs_to_clearance(
    store: Store, server_policy: Policy, tokens: dict[str, str]
) -> None:
    """LiteLLM's Router and generic_api logger (mock responses, no model), over a socket."""
    python = _litellm_python()
    if python is None:
        pytest.skip("litellm is not installed (set LITELLM_PYTHON)")
    with serving(create_app(store=store, policy=server_policy)) as base:
        for fmt, requests in (("ndjson", 20), ("json_array", 10)):
            script = [python, str(FIXTURES / "send_logs.py"), f"{base}{URL}", tokens["svc-gateway"]]
            subprocess.run(
                [*script, str(requests), fmt], check=True, timeout=240, capture_output=True
            )
    rows = _rows(store)
    assert len(rows) == 30
    assert {r.arm for r in rows} == {"candidate", "control"}
    failed = [r for r in rows if r.attributes["litellm.status"] == "failure"]
    assert len(failed) == 6 and all(r.latency_ms is None for r in failed)

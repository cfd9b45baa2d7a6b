"""Property-based run over the OpenAPI schema: no generated request may cause a 500,
and every response must match the documented schema. Bounded to run in well under 60 s."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from clearance import governance  # noqa: E402
from clearance.policy import load_policy  # noqa: E402
from clearance.server import create_app  # noqa: E402
from clearance.store import open_store  # noqa: E402
from server.serverkit import PEOPLE, policy_data, record_check  # noqa: E402

positive_data_acceptance = schemathesis.checks.positive_data_acceptance


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    folder = tmp_path_factory.mktemp("schemathesis")
    mp = pytest.MonkeyPatch()
    mp.setenv("SERVER_TEST_KEY", "not-so-secret")
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(policy_data(), sort_keys=False))
    policy = load_policy(path)
    store = open_store(f"sqlite:///{folder / 'db.sqlite'}")
    record_check(store, policy)
    token = governance.create_user(store, "alice")
    for name in PEOPLE[1:]:
        governance.create_user(store, name)
    yield create_app(store=store, policy=policy), token
    store.close()
    mp.undo()


def _operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.slow
def test_api_has_no_server_errors(seeded: tuple[Any, str]) -> None:
    """Every operation, with generated bodies, paths and queries, as an authorized user."""
    app, token = seeded
    headers = {"Authorization": f"Bearer {token}"}
    ran = []
    for operation in _operations(app):
        if operation.path == "/v1/checks" and operation.method.upper() == "POST":
            continue  # runs real evals; covered with the bundled example in test_check_run

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            # A valid-looking body may still be refused on meaning (an expiry in the past,
            # a release that does not exist): that is a 400/404, not a server error.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        run()
        ran.append(f"{operation.method.upper()} {operation.path}")
    assert len(ran) >= 15, ran


def test_schema_documents_every_resource(seeded: tuple[Any, str]) -> None:
    paths = seeded[0].openapi()["paths"]
    for expected in ("/v1/releases", "/v1/checks", "/v1/audit/verify", "/v1/events", "/healthz"):
        assert expected in paths

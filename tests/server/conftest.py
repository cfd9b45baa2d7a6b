"""A server over the ``store`` fixture (SQLite and PostgreSQL), a policy naming an owner
per duty, one API token per person, and a release recorded by the real release layer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from clearance import governance
from clearance.policy import Policy, load_policy
from clearance.server import create_app
from clearance.store import Store
from server.serverkit import PEOPLE, RELEASE, SECRET, policy_data, record_check


@pytest.fixture
def secret() -> str:
    """The secret value interpolated into the policy: it must never leave the server."""
    return SECRET


@pytest.fixture
def server_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Policy:
    monkeypatch.setenv("SERVER_TEST_KEY", SECRET)
    path = tmp_path / "clearance.yaml"
    path.write_text(yaml.safe_dump(policy_data(), sort_keys=False))
    return load_policy(path)


@pytest.fixture
def tokens(store: Store) -> dict[str, str]:
    return {name: governance.create_user(store, name) for name in PEOPLE}


@pytest.fixture
def client(store: Store, server_policy: Policy) -> Iterator[TestClient]:
    app = create_app(store=store, policy=server_policy)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def released(store: Store, server_policy: Policy) -> str:
    record_check(store, server_policy)
    return RELEASE


@pytest.fixture
def as_(tokens: dict[str, str]) -> Any:
    """``as_("alice")``: the headers that authenticate alice."""

    def headers(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[name]}"}

    return headers

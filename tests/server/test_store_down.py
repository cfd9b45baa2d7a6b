"""A store that cannot be reached is a 503 problem: the store turns the driver's
OperationalError into StoreError, and the server maps StoreError (it sees no SQLAlchemy)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

from clearance.errors import StoreError
from clearance.store import Store


def _unreachable(*_args: Any) -> None:
    raise OperationalError(
        "SELECT ...", {}, sqlite3.OperationalError("unable to open database file")
    )


@pytest.fixture
def down() -> Iterator[None]:
    event.listen(Engine, "before_cursor_execute", _unreachable)
    yield
    event.remove(Engine, "before_cursor_execute", _unreachable)


def test_the_store_raises_store_error_when_unreachable(sqlite_store: Store, down: None) -> None:
    with pytest.raises(StoreError, match="cannot be reached"):
        sqlite_store.ping()
    with pytest.raises(StoreError), sqlite_store.transaction() as tx:
        tx.releases.find("bot@v2")


def test_health_and_api_answer_503_when_the_store_is_down(
    client: TestClient, tokens: dict[str, str], down: None
) -> None:
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.headers["content-type"] == "application/problem+json"
    assert health.json()["detail"] == "the store cannot be reached; retry shortly"
    listed = client.get("/v1/releases", headers={"Authorization": f"Bearer {tokens['alice']}"})
    assert listed.status_code == 503
    assert "unable to open" not in listed.text  # the driver's words stay in the log


def test_health_is_ok_with_the_store_up(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"

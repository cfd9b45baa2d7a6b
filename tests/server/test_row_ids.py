"""Row ids in paths outside what a store can hold are bad input (422), on SQLite and on
PostgreSQL, never an overflow in the database driver (500)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearance.server.api._ids import MAX_ROW_ID

TOO_BIG = MAX_ROW_ID + 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/checks/{id}", None),
        ("POST", "/v1/incidents/{id}/review", {"note": "x"}),
        ("POST", "/v1/incidents/{id}/close", {"note": "x"}),
        ("POST", "/v1/releases/r@1/waivers/{id}/revoke", {"reason": "x"}),
    ],
)
@pytest.mark.parametrize("row", [TOO_BIG, 0, -1, 10**30])
def test_an_id_no_store_can_hold_is_a_422(
    client: TestClient, as_: Any, method: str, path: str, body: Any, row: int
) -> None:
    response = client.request(method, path.format(id=row), headers=as_("alice"), json=body)
    assert response.status_code == 422, response.text


def test_the_largest_id_is_a_plain_not_found(client: TestClient, as_: Any) -> None:
    response = client.get(f"/v1/checks/{MAX_ROW_ID}", headers=as_("alice"))
    assert response.status_code == 404, response.text

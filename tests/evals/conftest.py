"""Fixtures of the eval-engine tests: a store (SQLite, or PostgreSQL when
``CLEARANCE_TEST_PG_URL`` is set) and helpers to write policies and datasets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from clearance.store import EvalRun, SampleResult, Store, open_store

PG_URL = os.environ.get("CLEARANCE_TEST_PG_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip(
                "PostgreSQL tests need CLEARANCE_TEST_PG_URL (e.g. "
                "postgresql://postgres@127.0.0.1:5432/clr_evals_test)"
            )
        opened = open_store(PG_URL)
        _clear(opened)
    else:
        opened = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    if request.param == "postgres":
        _clear(opened)
    opened.close()


def _clear(store: Store) -> None:
    with store.session() as session:
        session.execute(delete(SampleResult))
        session.execute(delete(EvalRun))

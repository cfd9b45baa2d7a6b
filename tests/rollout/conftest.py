"""Rollout fixtures (helpers live in ``rollout.kit``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from clearance.policy import Policy
from clearance.store import Store
from rollout.kit import FakeGuards, add_release, make_policy


@pytest.fixture
def policy() -> Policy:
    return make_policy()


@pytest.fixture
def release(store: Store) -> Callable[..., str]:
    def make(name: str = "bot@v2", status: str = "cleared") -> str:
        add_release(store, name, status)
        return name

    return make


@pytest.fixture
def guards() -> FakeGuards:
    return FakeGuards(approved={"own_evals", "approve_changes"})

"""Rollout fixtures (helpers live in ``rollout.kit``): the production guards, with
governance records set up through the public API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from clearance.policy import Policy
from clearance.release import GovernanceGuards
from clearance.store import Store
from rollout.kit import Governed, governed_policy


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    return governed_policy(tmp_path / "policy")


@pytest.fixture
def governed(store: Store, policy: Policy) -> Governed:
    return Governed(store, policy)


@pytest.fixture
def release(governed: Governed) -> Callable[..., str]:
    """Check a release under the policy, approved for ``own_evals`` and
    ``approve_changes`` (pass ``approved=()`` for none)."""

    def make(name: str = "bot@v2", status: str = "cleared", **kw: object) -> str:
        return governed.check(name, status, **kw)  # type: ignore[arg-type]

    return make


@pytest.fixture
def guards(governed: Governed) -> GovernanceGuards:
    return governed.guards

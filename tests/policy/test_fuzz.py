"""Mutated policies: the loader returns a policy or raises PolicyError, nothing else."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import PolicyError
from clearance.policy import Policy, parse_policy, render_policy

BASE = yaml.safe_load(render_policy("fuzzed"))
FILE = Path("/nonexistent/clearance.yaml")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["${X}", "${HOME}", "openai", "canary", "-1", "{}"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


PATHS = _paths(BASE)


def _mutate(data: Any, path: tuple[Any, ...], op: str, value: Any) -> Any:
    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if op == "drop":
        del parent[last]
    elif op == "set":
        parent[last] = value
    elif isinstance(parent, dict):
        parent[f"{last}x"] = value
    return data


def _check(text: str) -> None:
    try:
        assert isinstance(parse_policy(text, file=FILE, require_env=False), Policy)
    except PolicyError as exc:
        assert str(exc)  # message renders


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(PATHS), st.sampled_from(["drop", "set", "add"]), values),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_policies(mutations: list[tuple[tuple[Any, ...], str, Any]]) -> None:
    data = BASE
    for path, op, value in mutations:
        try:
            data = _mutate(data, path, op, value)
        except (KeyError, IndexError, TypeError):
            continue
    _check(yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2000), st.text(max_size=5))
def test_spliced_template(cut: int, junk: str) -> None:
    text = render_policy("x")
    _check(text[:cut] + junk + text[cut:])

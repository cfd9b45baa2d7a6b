"""The metric registry is total: every built-in metric has an area and one producer
(a checklist function, or a release probe), and every built-in metric name used in the
probes, the starter policy, the docs and the examples is registered."""

import ast
import re
from pathlib import Path

import pytest

from clearance.checklist._metrics import PRODUCERS
from clearance.policy import (
    AREAS,
    BUILTIN_METRICS,
    METRIC_CATALOG,
    PROBE_METRICS,
    is_probe,
    probe_metric,
    render_policy,
)
from clearance.policy._metric_catalog import METRIC_BY_NAME, is_measurement

ROOT = Path(__file__).resolve().parents[2]
PROBES = ROOT / "src/clearance/release/_probes.py"
NAME = re.compile(rf"\b(?:{'|'.join(AREAS)})\.[a-z][a-z0-9_]*[a-z0-9]\b")


def test_names_are_unique_and_area_dot_name() -> None:
    names = [m.name for m in METRIC_CATALOG]
    assert len(set(names)) == len(names)
    for name in names:
        assert NAME.fullmatch(name), name
    assert list(BUILTIN_METRICS) == names
    assert all(m.description for m in METRIC_CATALOG)


def test_every_computed_metric_has_a_producer_and_no_probe_has_one() -> None:
    computed = {m.name for m in METRIC_CATALOG if m.kind != "probe"}
    assert set(PRODUCERS) == computed


def _probe_calls() -> list[str]:
    tree = ast.parse(PROBES.read_text())
    return [
        str(node.args[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "probe_metric"
        and isinstance(node.args[0], ast.Constant)
    ]


def test_the_release_probes_measure_every_probe_metric_by_its_registered_name() -> None:
    assert sorted(_probe_calls()) == sorted(PROBE_METRICS)


def test_the_release_probes_spell_no_metric_name_outside_the_registry_lookup() -> None:
    tree = ast.parse(PROBES.read_text())
    looked_up = {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "probe_metric"
    }
    bare = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and NAME.fullmatch(node.value)
        and id(node) not in looked_up
    ]
    assert bare == []


def test_probe_metric_refuses_unregistered_and_computed_names() -> None:
    with pytest.raises(KeyError):
        probe_metric("monitoring.no_such_probe")
    with pytest.raises(ValueError, match="not a probe"):
        probe_metric("latency.p95_ms")


def test_kinds_decide_probes_and_measurements() -> None:
    for m in METRIC_CATALOG:
        assert is_probe(m.name) == (m.kind == "probe"), m.name
        assert is_measurement(m.name) == (m.kind != "estimate"), m.name


def _used_names(text: str) -> set[str]:
    return set(NAME.findall(text))


@pytest.mark.parametrize(
    "source",
    [
        "template",
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")),
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").rglob("*.yaml")),
    ],
)
def test_every_built_in_metric_named_in_docs_and_policies_is_registered(source: str) -> None:
    text = render_policy() if source == "template" else (ROOT / source).read_text()
    unknown = sorted(n for n in _used_names(text) if n not in METRIC_BY_NAME)
    assert unknown == [], f"{source} names unregistered metrics"


def test_every_producer_computes_its_metric_from_evidence() -> None:
    from dataclasses import replace

    import checkkit
    from clearance.checklist._metrics import MetricBook

    gates = {"cost": [{"metric": "cost.monthly_usd", "max": 1}]}
    policy = checkkit.policy(gates)
    sides = [
        tuple(
            replace(o, latency_ms=100.0 + i, cost_usd=0.001 * (1 + i % 3))
            for i, o in enumerate(checkkit.outcomes("t", [i % 4 > 0 for i in range(200)]))
        )
        for _ in range(2)
    ]
    evidence = checkkit.evidence(sides[0], sides[1])
    book = MetricBook(evidence.candidate, policy, evidence)
    for name in PRODUCERS:
        estimate = book.get(name)
        assert estimate.metric == name
        if METRIC_BY_NAME[name].kind == "estimate":
            assert estimate.known, (name, estimate.note)

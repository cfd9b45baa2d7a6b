"""The areas catalog is total: every area has a ``gates`` field, a section of the starter
policy, a waiver duty, and every other spelling of the areas is the catalog's."""

from pathlib import Path
from typing import get_args

import yaml

from clearance.policy import (
    AREA_CATALOG,
    AREAS,
    DUTIES,
    METRIC_CATALOG,
    WAIVER_DUTY,
    Area,
    Gate,
    Gates,
    parse_policy,
    policy_schema,
    render_policy,
)
from clearance.policy._areas import PROBED_AREAS


def test_the_area_type_lists_the_catalog_in_order() -> None:
    assert get_args(Area) == AREAS == tuple(a.name for a in AREA_CATALOG)
    assert len(set(AREAS)) == len(AREAS)


def test_gates_has_one_list_field_per_area_first_and_in_order() -> None:
    fields = list(Gates.model_fields)
    assert tuple(fields[: len(AREAS)]) == AREAS
    for area in AREAS:
        info = Gates.model_fields[area]
        assert info.annotation == list[Gate]
        assert info.default_factory is list
    assert tuple(Gates().by_area()) == AREAS


def test_the_schema_of_gates_names_every_area() -> None:
    props = policy_schema()["$defs"]["Gates"]["properties"]
    assert tuple(props)[: len(AREAS)] == AREAS


def test_every_area_is_a_section_of_the_starter_policy_in_order() -> None:
    gates = yaml.safe_load(render_policy())["gates"]
    assert tuple(k for k in gates if k in AREAS) == AREAS
    assert set(gates) - set(AREAS) <= set(Gates.model_fields)
    policy = parse_policy(render_policy(), file=Path("clearance.yaml"), require_env=False)
    for area in AREAS:
        assert [g.metric for g in policy.gates.by_area()[area]] == [
            g["metric"] for g in gates[area]
        ]


def test_every_area_has_a_waiver_duty() -> None:
    from clearance import governance

    assert tuple(WAIVER_DUTY) == AREAS
    assert set(WAIVER_DUTY.values()) <= set(DUTIES)
    assert governance.WAIVER_DUTY is WAIVER_DUTY


def test_the_built_in_metrics_of_a_probed_area_are_all_probes() -> None:
    for metric in METRIC_CATALOG:
        assert metric.area in AREAS, metric.name
        if metric.area in PROBED_AREAS:
            assert metric.kind == "probe", metric.name


def test_a_probed_area_has_a_probe_metric() -> None:
    assert {m.area for m in METRIC_CATALOG if m.kind == "probe"} >= PROBED_AREAS

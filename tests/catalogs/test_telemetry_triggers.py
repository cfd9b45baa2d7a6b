"""The telemetry and trigger-kind catalog is total: every telemetry field has a stored
type, every trigger kind watches a telemetry field, is accepted by the policy and is
handled by the monitor; the rollout modules use the catalog's field lists."""

from pathlib import Path
from typing import get_args

import pytest

from clearance.policy import (
    BOOLEAN_FIELDS,
    GOOD_WHEN_TRUE,
    INTEGER_FIELDS,
    TELEMETRY_FIELDS,
    TELEMETRY_METRICS,
    TRIGGER_KINDS,
    Trigger,
    TriggerKind,
    parse_policy,
    render_policy,
)
from clearance.rollout import Monitor, simulate
from clearance.rollout._telemetry import TelemetryEvent

KINDS = [k for k in TRIGGER_KINDS if k != "custom"]


def test_every_telemetry_metric_has_one_field_entry_in_order() -> None:
    assert tuple(f.name for f in TELEMETRY_FIELDS) == TELEMETRY_METRICS
    assert set(TELEMETRY_METRICS) <= set(TelemetryEvent.model_fields)


def test_flags_are_the_boolean_fields_of_the_event() -> None:
    flags = {
        name
        for name in TELEMETRY_METRICS
        if "bool" in str(TelemetryEvent.model_fields[name].annotation)
    }
    assert set(BOOLEAN_FIELDS) == flags
    assert set(GOOD_WHEN_TRUE) <= set(BOOLEAN_FIELDS)
    assert not set(INTEGER_FIELDS) & set(BOOLEAN_FIELDS)


def test_the_rollout_modules_use_the_catalog() -> None:
    from clearance.rollout import _ingest, _monitor, _provider

    assert _ingest._INTS == INTEGER_FIELDS
    assert _ingest._BOOLS == BOOLEAN_FIELDS
    assert frozenset(BOOLEAN_FIELDS) == _provider._BOOLEAN
    assert _monitor._GOOD_WHEN_TRUE == GOOD_WHEN_TRUE


def test_the_trigger_kind_type_lists_the_catalog() -> None:
    assert get_args(TriggerKind) == tuple(TRIGGER_KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_watches_a_telemetry_field_the_right_way(kind: str) -> None:
    spec = TRIGGER_KINDS[kind]
    assert spec.metric in TELEMETRY_METRICS
    assert spec.statistic is not None
    if spec.statistic == "rate" and spec.metric in GOOD_WHEN_TRUE:
        assert spec.worse_when == "lower"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_accepted_by_the_policy(kind: str) -> None:
    extra = ", threshold: 2000" if TRIGGER_KINDS[kind].statistic == "share_above" else ""
    head = render_policy().split("\ntriggers:\n")[0]
    text = f"{head}\ntriggers:\n  - {{kind: {kind}{extra}, action: pause}}\n"
    policy = parse_policy(text, file=Path("clearance.yaml"), require_env=False)
    assert policy.triggers[0].kind == kind


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_handled_by_the_monitor(kind: str) -> None:
    spec = TRIGGER_KINDS[kind]
    threshold = 2000.0 if spec.statistic == "share_above" else None
    monitor = Monitor([Trigger.model_validate({"kind": kind, "threshold": threshold})])
    decision = monitor.update(simulate(4000, seed=1))
    [report] = decision.metrics
    assert report.metric == spec.metric
    assert report.statistic == spec.statistic
    assert report.status != "no_data"
    assert report.n_candidate > 0 and report.n_control > 0

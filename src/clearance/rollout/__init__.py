"""Staged rollout: the sequential monitor comparing candidate and control on live
telemetry, the controller that moves a release through its stages and takes it back,
the sticky router, telemetry ingestion, metric providers, and a simulator."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from clearance.rollout._columns import EventColumns, to_columns
    from clearance.rollout._controller import (
        FORCED,
        Change,
        advance,
        blockers,
        pause,
        resume,
        rollback,
        stages,
        start,
        status,
    )
    from clearance.rollout._guards import Guards, PermissiveGuards, StoreGuards
    from clearance.rollout._ingest import TS_WINDOW, IngestReport, Reject, TsWindow, ingest
    from clearance.rollout._litellm import Deployments, litellm_weights, payload_event
    from clearance.rollout._monitor import Decision, Firing, Monitor, Snapshot, split_alpha
    from clearance.rollout._notify import Webhook, notify
    from clearance.rollout._otlp import span_events
    from clearance.rollout._otlp_proto import proto_log_events, proto_span_events
    from clearance.rollout._prometheus import PrometheusProvider
    from clearance.rollout._provider import MetricProvider, StoreProvider
    from clearance.rollout._router import Assignment, Router, bucket, prefix_audience
    from clearance.rollout._scorecard import ScoreRow
    from clearance.rollout._simulate import Profile, arm_arrays, diurnal_times, simulate
    from clearance.rollout._srm import SrmReport
    from clearance.rollout._state import RolloutState, StageRecord
    from clearance.rollout._telemetry import TelemetryEvent, parse_events
    from clearance.rollout._track import JsonlSink, Sink, StoreSink, Tracked, track
    from clearance.rollout._trackers import MetricReport
    from clearance.rollout._watch import Controller, tick

_HOME = {
    "FORCED": "clearance.rollout._controller",
    "ScoreRow": "clearance.rollout._scorecard",
    "stages": "clearance.rollout._controller",
    "Assignment": "clearance.rollout._router",
    "Change": "clearance.rollout._controller",
    "Controller": "clearance.rollout._watch",
    "Decision": "clearance.rollout._monitor",
    "EventColumns": "clearance.rollout._columns",
    "Firing": "clearance.rollout._monitor",
    "Guards": "clearance.rollout._guards",
    "IngestReport": "clearance.rollout._ingest",
    "Deployments": "clearance.rollout._litellm",
    "litellm_weights": "clearance.rollout._litellm",
    "payload_event": "clearance.rollout._litellm",
    "JsonlSink": "clearance.rollout._track",
    "MetricProvider": "clearance.rollout._provider",
    "MetricReport": "clearance.rollout._trackers",
    "Monitor": "clearance.rollout._monitor",
    "PermissiveGuards": "clearance.rollout._guards",
    "Profile": "clearance.rollout._simulate",
    "PrometheusProvider": "clearance.rollout._prometheus",
    "Reject": "clearance.rollout._ingest",
    "RolloutState": "clearance.rollout._state",
    "Router": "clearance.rollout._router",
    "Sink": "clearance.rollout._track",
    "Snapshot": "clearance.rollout._monitor",
    "SrmReport": "clearance.rollout._srm",
    "StageRecord": "clearance.rollout._state",
    "StoreGuards": "clearance.rollout._guards",
    "StoreProvider": "clearance.rollout._provider",
    "StoreSink": "clearance.rollout._track",
    "TS_WINDOW": "clearance.rollout._ingest",
    "TelemetryEvent": "clearance.rollout._telemetry",
    "Tracked": "clearance.rollout._track",
    "TsWindow": "clearance.rollout._ingest",
    "Webhook": "clearance.rollout._notify",
    "advance": "clearance.rollout._controller",
    "arm_arrays": "clearance.rollout._simulate",
    "blockers": "clearance.rollout._controller",
    "bucket": "clearance.rollout._router",
    "diurnal_times": "clearance.rollout._simulate",
    "ingest": "clearance.rollout._ingest",
    "notify": "clearance.rollout._notify",
    "parse_events": "clearance.rollout._telemetry",
    "pause": "clearance.rollout._controller",
    "prefix_audience": "clearance.rollout._router",
    "proto_log_events": "clearance.rollout._otlp_proto",
    "proto_span_events": "clearance.rollout._otlp_proto",
    "resume": "clearance.rollout._controller",
    "rollback": "clearance.rollout._controller",
    "simulate": "clearance.rollout._simulate",
    "span_events": "clearance.rollout._otlp",
    "split_alpha": "clearance.rollout._monitor",
    "start": "clearance.rollout._controller",
    "status": "clearance.rollout._controller",
    "tick": "clearance.rollout._watch",
    "to_columns": "clearance.rollout._columns",
    "track": "clearance.rollout._track",
}
"""Where each name lives: imported on first use, so a process that needs only the
router (the rollback drill's reader, an application's embedded router) does not load
the monitor, its statistics and SciPy."""


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "FORCED",
    "TS_WINDOW",
    "Assignment",
    "Change",
    "Controller",
    "Decision",
    "Deployments",
    "EventColumns",
    "Firing",
    "Guards",
    "IngestReport",
    "JsonlSink",
    "MetricProvider",
    "MetricReport",
    "Monitor",
    "PermissiveGuards",
    "Profile",
    "PrometheusProvider",
    "Reject",
    "RolloutState",
    "Router",
    "ScoreRow",
    "Sink",
    "Snapshot",
    "SrmReport",
    "StageRecord",
    "StoreGuards",
    "StoreProvider",
    "StoreSink",
    "TelemetryEvent",
    "Tracked",
    "TsWindow",
    "Webhook",
    "advance",
    "arm_arrays",
    "blockers",
    "bucket",
    "diurnal_times",
    "ingest",
    "litellm_weights",
    "notify",
    "parse_events",
    "pause",
    "payload_event",
    "prefix_audience",
    "proto_log_events",
    "proto_span_events",
    "resume",
    "rollback",
    "simulate",
    "span_events",
    "split_alpha",
    "stages",
    "start",
    "status",
    "tick",
    "to_columns",
    "track",
]

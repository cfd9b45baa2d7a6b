"""Staged rollout: the sequential monitor comparing candidate and control on live
telemetry, the controller that moves a release through its stages and takes it back,
the sticky router, telemetry ingestion, metric providers, and a simulator."""

from clearance.rollout._columns import EventColumns, to_columns
from clearance.rollout._controller import (
    Change,
    advance,
    blockers,
    pause,
    resume,
    rollback,
    start,
    status,
)
from clearance.rollout._guards import Guards, PermissiveGuards, StoreGuards
from clearance.rollout._ingest import TS_WINDOW, IngestReport, Reject, TsWindow, ingest
from clearance.rollout._monitor import Decision, Firing, Monitor, Snapshot, split_alpha
from clearance.rollout._notify import Webhook, notify
from clearance.rollout._otlp import span_events
from clearance.rollout._prometheus import PrometheusProvider
from clearance.rollout._provider import MetricProvider, StoreProvider
from clearance.rollout._router import Assignment, Router, bucket, prefix_audience
from clearance.rollout._simulate import Profile, arm_arrays, diurnal_times, simulate
from clearance.rollout._srm import SrmReport
from clearance.rollout._state import RolloutState, StageRecord
from clearance.rollout._telemetry import TelemetryEvent, parse_events
from clearance.rollout._track import JsonlSink, Sink, StoreSink, Tracked, track
from clearance.rollout._trackers import MetricReport
from clearance.rollout._watch import Controller, tick

__all__ = [
    "TS_WINDOW",
    "Assignment",
    "Change",
    "Controller",
    "Decision",
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
    "notify",
    "parse_events",
    "pause",
    "prefix_audience",
    "resume",
    "rollback",
    "simulate",
    "span_events",
    "split_alpha",
    "start",
    "status",
    "tick",
    "to_columns",
    "track",
]

"""Staged rollout: the sequential monitor comparing candidate and control on live
telemetry, the telemetry event model, and a simulator for demos and benchmarks."""

from clearance.rollout._monitor import Decision, Firing, Monitor, split_alpha
from clearance.rollout._simulate import Profile, arm_arrays, diurnal_times, simulate
from clearance.rollout._srm import SrmReport
from clearance.rollout._telemetry import TelemetryEvent, parse_events
from clearance.rollout._trackers import MetricReport

__all__ = [
    "Decision",
    "Firing",
    "MetricReport",
    "Monitor",
    "Profile",
    "SrmReport",
    "TelemetryEvent",
    "arm_arrays",
    "diurnal_times",
    "parse_events",
    "simulate",
    "split_alpha",
]

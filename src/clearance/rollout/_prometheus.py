"""Prometheus as a metric provider: PromQL over the HTTP API, counts per arm.

The service exports counters labelled ``release`` and ``arm`` (``candidate|control``);
with the default prefix ``clearance``:

==============================================  ==========================================
series                                          used for
==============================================  ==========================================
``clearance_requests_total``                    requests per arm (``rate``/``count`` n)
``clearance_<metric>_total``                    requests where the metric is true/positive
                                                (``schema_ok``, ``safety_event``,
                                                ``tool_errors``...): rate and count triggers
``clearance_<metric>_bucket{le}``, ``_count``   a histogram whose bucket bound equals the
                                                trigger's threshold: ``share_above``
``clearance_<metric>_sum``, ``_count``,         ``mean`` triggers (sums of the value and of
``_sum_squares``                                its square)
``clearance_<metric>_log_sum``,                 ``geometric_mean`` triggers (ratio of
``_log_sum_squares``                            geometric means): sums of ``ln(x + offset)``
                                                and its square
==============================================  ==========================================

The window is exact: each series is read at ``until`` and at ``since`` (instant
queries) and subtracted, so no ``increase()`` extrapolation. A series that is missing
leaves its trigger without data (the monitor reports it). A sample that is not a finite
number (``NaN``, ``+Inf``) is dropped and named in the snapshot's ``invalid``, on which
the monitor pauses rather than advance. Prometheus cannot count distinct units, so the
sample-ratio check is off with this provider.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import aiohttp

from clearance.errors import RuntimeFailure
from clearance.policy import Trigger
from clearance.rollout._monitor import Snapshot
from clearance.rollout._provider import is_log_scale
from clearance.rollout._trackers import ArmStats

ARMS = ("candidate", "control")
PerArm = dict[str, float]


class PrometheusProvider:
    """Per-arm aggregates from a Prometheus server at ``url`` (e.g. http://127.0.0.1:9090)."""

    def __init__(self, url: str, *, prefix: str = "clearance", timeout_s: float = 10.0) -> None:
        self.url, self.prefix, self.timeout_s = url.rstrip("/"), prefix, timeout_s

    def snapshot(
        self, release: str, triggers: Sequence[Trigger], since: datetime, until: datetime
    ) -> Snapshot:
        return asyncio.run(self.snapshot_async(release, triggers, since, until))

    async def snapshot_async(
        self, release: str, triggers: Sequence[Trigger], since: datetime, until: datetime
    ) -> Snapshot:
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            window = _Window(self, session, release, since, until)
            requests = await window.delta("requests_total")
            stats = await asyncio.gather(*(window.trigger(t, requests) for t in triggers))
        return Snapshot(
            stats={t.label: s for t, s in zip(triggers, stats, strict=True)},
            requests={arm: round(requests.get(arm, 0.0)) for arm in ARMS},
            units=None,
            duration_s=max(0.0, (until - since).total_seconds()),
            invalid=sorted(set(window.invalid)),
        )

    async def query(
        self, session: aiohttp.ClientSession, promql: str, at: datetime
    ) -> list[dict[str, Any]]:
        """One instant query; the ``result`` vector."""
        params = {"query": promql, "time": f"{at.timestamp():.3f}"}
        try:
            async with session.get(f"{self.url}/api/v1/query", params=params) as response:
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RuntimeFailure(
                f"Prometheus at {self.url} did not answer: {type(exc).__name__}: {exc}",
                fix="check rollout.telemetry_sink and that Prometheus is running",
            ) from exc
        if body.get("status") != "success":
            raise RuntimeFailure(f"Prometheus rejected '{promql}': {body.get('error', body)}")
        return list(body["data"]["result"])


class _Window:
    """Queries for one release between two instants."""

    def __init__(
        self,
        provider: PrometheusProvider,
        session: aiohttp.ClientSession,
        release: str,
        since: datetime,
        until: datetime,
    ) -> None:
        self.p, self.session, self.since, self.until = provider, session, since, until
        self.invalid: list[str] = []
        """Series that returned a sample that is not a finite number."""
        self.selector = '{release="' + release.replace("\\", "\\\\").replace('"', '\\"') + '"}'

    async def delta(self, series: str, by: str = "arm") -> PerArm:
        """Per-arm (or per ``by`` label) growth of a counter over the window."""
        promql = f"sum by ({by}) ({self.p.prefix}_{series}{self.selector})"
        end, start = await asyncio.gather(
            self.p.query(self.session, promql, self.until),
            self.p.query(self.session, promql, self.since),
        )
        after, before = self._finite(series, end, by), self._finite(series, start, by)
        return {k: max(0.0, v - before.get(k, 0.0)) for k, v in after.items()}

    def _finite(self, series: str, result: list[dict[str, Any]], by: str) -> PerArm:
        found = _by_label(result, by)
        if all(math.isfinite(v) for v in found.values()):
            return found
        self.invalid.append(f"{self.p.prefix}_{series}")
        return {k: v for k, v in found.items() if math.isfinite(v)}

    async def trigger(self, t: Trigger, requests: PerArm) -> dict[str, ArmStats]:
        metric = t.metric or ""
        if t.statistic == "share_above":
            return await self._share_above(t, metric)
        if t.statistic in ("mean", "geometric_mean"):
            return await self._mean(t, metric)
        positives = await self.delta(f"{metric}_total")
        higher = t.worse_when == "higher"
        return {
            arm: ArmStats(round(n), b if higher else n - b, b if higher else n - b, b)
            for arm, n in requests.items()
            for b in [min(positives.get(arm, 0.0), n)]
        }

    async def _share_above(self, t: Trigger, metric: str) -> dict[str, ArmStats]:
        buckets = await self._buckets(metric)
        counts = await self.delta(f"{metric}_count")
        bound = t.threshold or 0.0
        result = {}
        for arm, n in counts.items():
            below = next((c for le, c in buckets.get(arm, []) if math.isclose(le, bound)), None)
            if below is None:
                continue  # no bucket at the threshold: no data for this trigger
            bad = n - below if t.worse_when == "higher" else below
            result[arm] = ArmStats(round(n), bad, bad, n - below)
        return result

    async def _buckets(self, metric: str) -> dict[str, list[tuple[float, float]]]:
        per = await self.delta(f"{metric}_bucket", by="arm, le")
        found: dict[str, list[tuple[float, float]]] = {}
        for key, value in per.items():
            arm, le = key.split("\t")
            found.setdefault(arm, []).append((float(le), value))
        return found

    async def _mean(self, t: Trigger, metric: str) -> dict[str, ArmStats]:
        tested = "log_sum" if is_log_scale(t) else "sum"
        names = ("count", tested, f"{tested}_squares", "sum")
        count, total, squares, raw = await asyncio.gather(
            *(self.delta(f"{metric}_{name}") for name in names)
        )
        return {
            arm: ArmStats(round(n), total[arm], squares[arm], raw.get(arm, 0.0))
            for arm, n in count.items()
            if arm in total and arm in squares
        }


def _by_label(result: list[dict[str, Any]], by: str) -> PerArm:
    labels = [name.strip() for name in by.split(",")]
    found: PerArm = {}
    for item in result:
        key = "\t".join(str(item["metric"].get(label, "")) for label in labels)
        found[key] = _number(item["value"][1])
    return found


def _number(sample: Any) -> float:
    """A sample value ("1.5", "NaN", "+Inf"); one that is no number at all is NaN too."""
    try:
        return float(sample)
    except (TypeError, ValueError):
        return math.nan

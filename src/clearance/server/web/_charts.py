"""Inline SVG charts for the dashboard: the rollout timeline and gate intervals.

Plain strings with every label escaped; no JavaScript and no fonts to fetch, so the
charts render identically in a browser, a screenshot and an e-mailed page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from clearance.checklist import GateReport
from clearance.server.web._timeline import Mark, Series, StageSpan, Timeline

_ARM_COLOUR = {"candidate": "#0969da", "control": "#6e7781"}
_MARK_COLOUR = {"rollback": "#cf222e", "pause": "#bf8700", "event": "#8250df"}
Scale = Callable[[float], float]


def _scale(lo: float, hi: float, a: float, b: float) -> Scale:
    width = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / width * (b - a)


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
    )
    return Markup(head + "".join(body) + "</svg>")


def _marks(marks: Sequence[Mark], x: Scale, top: float, bottom: float) -> list[str]:
    out = []
    for mark in marks:
        colour, px = _MARK_COLOUR.get(mark.kind, "#8250df"), x(mark.at)
        out.append(
            f'<g class="mark {mark.kind}" data-mark="{mark.kind}">'
            f"<title>{escape(mark.label)}</title>"
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{top}" y2="{bottom}" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="4 3"/>'
            f'<text x="{px - 3:.1f}" y="{top + 10}" fill="{colour}" text-anchor="end">'
            f"{escape(mark.kind)}</text></g>"
        )
    return out


def stage_chart(tl: Timeline, width: int = 900, height: int = 170) -> Markup:
    """Traffic weight to the candidate over time, stage by stage, with marked events. A
    stage too narrow for its name shows its number (the stage list beside gives both)."""
    lo, hi = tl.span
    x, y = _scale(lo, hi, 50, width - 10), _scale(0.0, 1.0, height - 25, 15)
    body = [_axes(x, y, lo, hi, width, height, "weight")]
    for number, span in enumerate(tl.stages, start=1):
        body.append(_stage(span, number, x, y, hi))
    body += _marks(tl.marks, x, 15, height - 25)
    return _svg(width, height, "rollout stages and traffic weight over time", body)


def _stage(span: StageSpan, number: int, x: Scale, y: Scale, hi: float) -> str:
    x0, x1 = x(span.start), x(span.end if span.end is not None else hi)
    colour = "#cf222e" if span.outcome == "rolled_back" else "#1a7f37"
    wide = max(x1 - x0, 1)
    name = f"{span.stage} {span.weight:.0%}"
    text = name if wide >= 6.5 * len(name) + 6 else str(number) if wide >= 12 else ""
    label = (
        f'<text x="{x0 + 3:.1f}" y="{max(y(span.weight) - 3, 11):.1f}">{escape(text)}</text>'
        if text
        else ""
    )
    outcome = escape(" → " + span.outcome) if span.outcome else ""
    return (
        f'<g class="stage" data-stage="{escape(span.stage)}"><title>{number}. '
        f"{escape(span.stage)}: weight {span.weight:.0%}{outcome}</title>"
        f'<rect x="{x0:.1f}" y="{y(span.weight):.1f}" width="{wide:.1f}" '
        f'height="{max(y(0) - y(span.weight), 1):.1f}" fill="{colour}" fill-opacity="0.18" '
        f'stroke="{colour}"/>{label}</g>'
    )


def _axes(x: Scale, y: Scale, lo: float, hi: float, width: int, height: int, name: str) -> str:
    base = f"{y(0) if name == 'weight' else height - 25:.1f}"
    marks = _ticks(lo, hi)
    ticks = "".join(
        f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{base}" y2="{float(base) + 4:.1f}" '
        f'stroke="#8c959f"/><text x="{x(t):.1f}" y="{height - 8}" text-anchor="'
        f'{"start" if i == 0 else "end" if i == len(marks) - 1 else "middle"}">'
        f"{_clock(t, lo, hi - lo)}</text>"
        for i, t in enumerate(marks)
    )
    return (
        f'<line x1="50" x2="{width - 10}" y1="{base}" y2="{base}" stroke="#d0d7de"/>'
        f'{ticks}<text x="4" y="14" class="t">{escape(name)}</text>'
    )


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    return [lo + (hi - lo) * i / count for i in range(count + 1)] if hi > lo else [lo]


def _clock(t: float, lo: float, span_s: float) -> str:
    """A tick's label: the first tick's time of day (UTC; with the date once the span
    passes a day), the others the time since it, so a span of seconds or of weeks
    reads alike."""
    from datetime import UTC, datetime

    if t <= lo:
        moment = datetime.fromtimestamp(t, UTC)
        return moment.strftime("%m-%d %H:%M" if span_s > 86_400 else "%H:%M:%S")
    gone = t - lo
    if gone < 120:
        return f"+{gone:.3g} s"
    if gone < 7200:
        return f"+{gone / 60:.3g} min"
    if gone < 172_800:
        return f"+{gone / 3600:.3g} h"
    return f"+{gone / 86_400:.3g} d"


def metric_chart(
    name: str, arms: dict[str, Series], tl: Timeline, width: int = 440, height: int = 160
) -> Markup:
    """Candidate vs control for one metric: bucket means with 95% intervals, events marked."""
    values = [v for s in arms.values() for v in (*s.low, *s.high) if not math.isnan(v)]
    lo_v, hi_v = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (hi_v - lo_v) * 0.1 or 0.5
    lo, hi = tl.span
    x, y = _scale(lo, hi, 50, width - 10), _scale(lo_v - pad, hi_v + pad, height - 25, 20)
    body = [_axes(x, y, lo, hi, width, height, name)]
    body.append(f'<text x="46" y="{y(hi_v):.1f}" text-anchor="end">{_short(hi_v)}</text>')
    body.append(f'<text x="46" y="{y(lo_v):.1f}" text-anchor="end">{_short(lo_v)}</text>')
    for offset, (arm, series) in enumerate(arms.items()):
        body += _arm(series, x, y, _ARM_COLOUR.get(arm, "#000"), arm, offset * 3 - 1.5)
    body += _marks(tl.marks, x, 20, height - 25)
    body.append(_legend(width))
    return _svg(width, height, f"{name}: candidate vs control", body)


def _short(value: float) -> str:
    """An axis label of at most about seven characters (the left margin's width)."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e3:
        return f"{value / 1e3:.3g}k"
    if 0 < size < 0.01:
        return f"{value:.1e}"
    return f"{value:.3g}"


def _arm(series: Series, x: Scale, y: Scale, colour: str, arm: str, dx: float) -> list[str]:
    points, out = [], [f'<g class="arm {arm}">']
    for t, m, lo, hi in zip(series.times, series.mean, series.low, series.high, strict=True):
        if math.isnan(m):
            continue
        px = x(t) + dx
        points.append(f"{px:.1f},{y(m):.1f}")
        out.append(
            f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y(lo):.1f}" y2="{y(hi):.1f}" '
            f'stroke="{colour}" stroke-opacity="0.5"/>'
        )
    out.append(
        f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{" ".join(points)}"/>'
    )
    return [*out, "</g>"]


def _legend(width: int) -> str:
    return "".join(
        f'<rect x="{width - 170 + i * 80}" y="4" width="10" height="10" fill="{c}"/>'
        f'<text x="{width - 156 + i * 80}" y="13">{arm}</text>'
        for i, (arm, c) in enumerate(_ARM_COLOUR.items())
    )


def interval(gate: GateReport, width: int = 170, height: int = 18) -> Markup:
    """A gate's value and confidence interval on a small axis ('' when it has no value)."""
    if gate.value is None:
        return Markup("")
    ci = gate.plot_ci() or [gate.value, gate.value]
    unit = min(ci[0], gate.value) >= 0 and max(ci[1], gate.value) <= 1
    top = 1.0 if unit else max(ci[1], gate.value) * 1.05
    bottom = min(0.0, ci[0], gate.value)
    x = _scale(bottom, top, 4, width - 4)
    colour = {
        "pass": "#1a7f37",
        "fail": "#cf222e",
        "inconclusive": "#bc4c00",
        "warn": "#bf8700",
    }.get(gate.status, "#8250df")
    body = [
        f'<line x1="4" x2="{width - 4}" y1="9" y2="9" stroke="#d0d7de"/>',
        f'<line x1="{x(ci[0]):.1f}" x2="{x(ci[1]):.1f}" y1="9" y2="9" stroke="{colour}" '
        'stroke-width="4"/>',
        f'<circle cx="{x(gate.value):.1f}" cy="9" r="4" fill="{colour}"/>',
    ]
    return _svg(
        width, height, f"{gate.metric} {gate.value:.3g} in [{ci[0]:.3g}, {ci[1]:.3g}]", body
    )

"""Small inline SVG charts for the self-contained HTML report (no JavaScript needed)."""

from __future__ import annotations

import contextlib
from html import escape

from clearance.checklist import CategoryResult, GateReport

_COLOR = {
    "pass": "#1a7f37",
    "fail": "#cf222e",
    "inconclusive": "#bc4c00",
    "warn": "#bf8700",
    "not_evaluated": "#8250df",
    "waived": "#0969da",
    "candidate": "#0969da",
    "baseline": "#6e7781",
}


def _scale(lo: float, hi: float, width: float, pad: float) -> tuple[float, float, float]:
    span = hi - lo or (abs(hi) or 1.0)
    return lo - span * 0.08, hi + span * 0.08, (width - 2 * pad)


def gate_plot(gate: GateReport, width: int = 360, height: int = 34) -> str:
    """Value with its interval, the bound(s) and the baseline on one horizontal axis."""
    if gate.value is None:
        return ""
    ci = gate.plot_ci()
    points = [gate.value, *(ci or []), *_bounds(gate)]
    if gate.baseline is not None:
        points.append(gate.baseline)
    lo, hi, usable = _scale(min(points), max(points), width, 10)

    def x(v: float) -> float:
        return 10 + (v - lo) / (hi - lo) * usable

    parts = [
        f'<svg class="gate" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(gate.metric)}">',
        f'<line x1="10" x2="{width - 10}" y1="17" y2="17" stroke="#d0d7de"/>',
    ]
    for bound in _bounds(gate):
        parts.append(
            f'<line x1="{x(bound):.1f}" x2="{x(bound):.1f}" y1="4" y2="30" '
            f'stroke="#cf222e" stroke-dasharray="3,2"><title>bound {bound:g}</title>'
            "</line>"
        )
    if gate.baseline is not None:
        parts.append(
            f'<rect x="{x(gate.baseline) - 4:.1f}" y="13" width="8" height="8" '
            f'fill="{_COLOR["baseline"]}"><title>baseline {gate.baseline:.4g}</title>'
            "</rect>"
        )
    color = _COLOR[gate.status]
    if ci:
        parts.append(
            f'<line x1="{x(ci[0]):.1f}" x2="{x(ci[1]):.1f}" y1="17" y2="17" '
            f'stroke="{color}" stroke-width="4" stroke-linecap="round"/>'
        )
    parts.append(
        f'<circle cx="{x(gate.value):.1f}" cy="17" r="5" fill="{color}">'
        f"<title>{gate.value:.4g}</title></circle></svg>"
    )
    return "".join(parts)


def _bounds(gate: GateReport) -> list[float]:
    out = []
    for word in gate.threshold.split(" and "):
        for op in (">= ", "<= "):
            if word.startswith(op):
                with contextlib.suppress(ValueError):
                    out.append(float(word[3:]))
    return out


def category_bars(title: str, categories: list[CategoryResult], width: int = 520) -> str:
    """Horizontal bars, one per category, of a rate in [0, 1]."""
    if not categories:
        return ""
    row, label_w = 18, 190
    height = row * len(categories) + 26
    parts = [
        f'<svg class="bars" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}"><text x="0" y="12" class="t">{escape(title)}</text>'
    ]
    for i, c in enumerate(categories):
        y = 20 + i * row
        w = max(1.0, c.value * (width - label_w - 110))
        parts.append(
            f'<text x="0" y="{y + 12}">{escape(c.category[:28])}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="12" '
            f'fill="#0969da"/><text x="{label_w + w + 4:.1f}" y="{y + 12}">'
            f"{c.value:.0%} (n={c.n})</text>"
        )
    return "".join(parts) + "</svg>"


def cdf_plot(series: dict[str, list[float]], width: int = 520, height: int = 200) -> str:
    """Latency CDFs (percentiles 1..99) per side, log-free linear axis in ms."""
    series = {k: v for k, v in series.items() if v}
    if not series:
        return ""
    top = max(max(v) for v in series.values()) or 1.0
    pad = 30
    parts = [
        f'<svg class="cdf" width="{width}" height="{height}" role="img" '
        f'aria-label="latency distribution">',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - 5}" y2="{height - pad}" '
        'stroke="#d0d7de"/>',
        f'<text x="{pad}" y="{height - 8}">0 ms</text>'
        f'<text x="{width - 80}" y="{height - 8}">{top:.0f} ms</text>',
    ]
    for name, values in series.items():
        n = len(values)
        pts = " ".join(
            f"{pad + v / top * (width - pad - 5):.1f},"
            f"{height - pad - (i + 1) / (n + 1) * (height - 2 * pad):.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{_COLOR.get(name, "#000")}" '
            f'stroke-width="2" points="{pts}"><title>{name}</title></polyline>'
        )
    legend = " ".join(f'<tspan fill="{_COLOR.get(k, "#000")}">■ {k}</tspan>' for k in series)
    parts.append(f'<text x="{pad}" y="14">{legend}</text>')
    return "".join(parts) + "</svg>"

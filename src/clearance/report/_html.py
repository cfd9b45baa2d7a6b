"""One self-contained HTML file: styles and SVG charts inline, no network, no JavaScript."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from clearance.checklist import Report
from clearance.common import format_number
from clearance.report._judges import fmt_rate
from clearance.report._svg import category_bars, cdf_plot, gate_plot
from clearance.report._text import fmt_ci, noise_line


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("clearance.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )


def render_html(report: Report, latency: dict[str, list[float]] | None = None) -> str:
    """The report as HTML. ``latency`` holds percentiles 1..99 per side for the CDF chart."""
    template = _env().get_template("report.html.j2")
    return template.render(
        r=report,
        fmt=format_number,
        ci=fmt_ci,
        plot=gate_plot,
        latency=cdf_plot(latency or {}),
        safety=_safety(report),
        noise=noise_line(report),
        rate=fmt_rate,
    )


def _safety(report: Report) -> list[str]:
    charts = []
    for gate in report.area("safety").gates:
        if gate.categories:
            charts.append(category_bars(f"{gate.metric} by category", gate.categories))
    for gate in report.area("security").gates:
        if gate.categories:
            charts.append(category_bars(f"{gate.metric} by channel", gate.categories))
    return charts

"""Numbers as reports, reasons and cards show them."""

from __future__ import annotations


def format_number(value: float | None) -> str:
    """Four significant digits (three in exponent form, for very large or small values);
    ``n/a`` for no value."""
    if value is None:
        return "n/a"
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.3g}"
    return f"{value:.4g}"


def format_duration(seconds: float | None) -> str:
    """A span as people read it: seconds below two minutes, minutes below two hours,
    hours (one decimal) above; ``—`` for no value."""
    if seconds is None:
        return "—"
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"

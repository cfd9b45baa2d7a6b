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

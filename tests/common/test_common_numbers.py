"""Number formatting shared by reasons, reports and cards."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearance.common import format_duration, format_number


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "n/a"),
        (0.0, "0"),
        (0.95, "0.95"),
        (0.123456, "0.1235"),
        (1234.5678, "1235"),
        (-2.5, "-2.5"),
        (123456.0, "1.23e+05"),
        (0.000123456, "0.000123"),
        (1e-3, "0.001"),
    ],
)
def test_examples(value: float | None, shown: str) -> None:
    assert format_number(value) == shown


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300))
def test_shown_value_is_within_four_significant_digits(value: float) -> None:
    shown = float(format_number(value))
    assert math.isclose(shown, value, rel_tol=5e-3, abs_tol=0.0)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=1e-3, max_value=99_999))
def test_ordinary_values_are_four_significant_digits(value: float) -> None:
    assert format_number(value) == f"{value:.4g}"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "—"),
        (-3.0, "0 s"),
        (0.4, "0 s"),
        (119.0, "119 s"),
        (120.0, "2 min"),
        (7199.0, "120 min"),
        (7200.0, "2.0 h"),
        (90000.0, "25.0 h"),
    ],
)
def test_durations_read_in_the_unit_that_fits(seconds: float | None, shown: str) -> None:
    assert format_duration(seconds) == shown

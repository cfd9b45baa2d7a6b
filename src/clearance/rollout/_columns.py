"""Telemetry as columns: the form the monitor counts in.

:func:`to_columns` turns a batch of events into numpy columns for the fields the
monitor reads. Plain JSON-like dicts take a vectorised path: each column is read once,
its types are checked as a set, and the same limits as :class:`TelemetryEvent` (read
from that schema, so there is one home for them) are checked on the arrays. Anything the
fast path does not handle exactly (an alias, a string timestamp, a wrong type, a value
out of range) sends the whole batch through :func:`parse_events`, which either accepts
it or raises the usual :class:`~clearance.errors.DataError` naming the event, so the
fast path never accepts what the schema refuses among the fields it reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from numpy.typing import NDArray

from clearance.errors import DataError
from clearance.rollout._telemetry import MAX_LABEL, TS_MAX, TelemetryEvent, parse_events

Floats = NDArray[np.float64]

_FLAGS = frozenset({"safety_event", "escalated", "schema_ok", "hallucination_report"})
_NUMBER = frozenset({float, int})
_FLAG_TYPES = frozenset({bool, int})
_NONE = type(None)


@dataclass(frozen=True)
class EventColumns:
    """A batch of telemetry events as columns.

    ``candidate`` is True for the candidate arm; ``unit`` holds each event's routing unit
    ("" when it has none) or integer unit ids (negative: none), which are faster;
    ``fields`` maps each metric to its values (NaN: the event does
    not carry it; flags as 0/1)."""

    candidate: NDArray[np.bool_]
    unit: Sequence[str] | NDArray[np.integer[Any]]
    ts: Floats
    fields: Mapping[str, Floats]

    def __len__(self) -> int:
        return len(self.candidate)


def _limits(name: str) -> tuple[float, float]:
    lo, hi = -math.inf, math.inf
    for item in TelemetryEvent.model_fields[name].metadata:
        lo = float(getattr(item, "ge", lo))
        hi = float(getattr(item, "le", hi))
    return lo, hi


def _aliases(name: str) -> tuple[str, ...]:
    alias = TelemetryEvent.model_fields[name].validation_alias
    choices = getattr(alias, "choices", ())
    return tuple(str(c) for c in choices if c != name)


_METRICS = tuple(
    name for name in TelemetryEvent.model_fields if name not in ("ts", "arm", "release", "unit")
)
LIMITS = {name: _limits(name) for name in _METRICS if name != "event_id"}
"""Per metric field, the (inclusive) range :class:`TelemetryEvent` accepts."""
ALIASES = {name: _aliases(name) for name in ("arm", "unit", *LIMITS)}


def _column(batch: list[dict[str, Any]], name: str) -> list[Any]:
    """``[e.get(name) for e in batch]``, at C speed."""
    return list(map(dict.get, batch, repeat(name)))


class _Slow(Exception):
    """The fast path cannot decide this batch exactly: validate event by event."""


def to_columns(
    events: Iterable[Mapping[str, Any] | TelemetryEvent], fields: Sequence[str]
) -> EventColumns:
    """Columns of ``fields`` (metric names) for ``events``, validated like
    :func:`parse_events` for every field read. Raises DataError on a bad event."""
    batch = events if isinstance(events, list) else list(events)
    if set(map(type, batch)) <= {dict}:
        try:
            return _fast(batch, fields)  # type: ignore[arg-type]  # checked: all dicts
        except _Slow:
            pass
    return from_events(list(parse_events(batch)), fields)


def from_events(events: Sequence[TelemetryEvent], fields: Sequence[str]) -> EventColumns:
    """Columns of validated events."""
    columns = {}
    for name in fields:
        values = [e.value(name) for e in events]
        columns[name] = np.array([math.nan if v is None else v for v in values], dtype=float)
    return EventColumns(
        candidate=np.array([e.arm == "candidate" for e in events], dtype=bool),
        unit=[e.unit for e in events],
        ts=np.array([e.ts for e in events], dtype=float),
        fields=columns,
    )


def _fast(batch: list[dict[str, Any]], fields: Sequence[str]) -> EventColumns:
    arm = _column(batch, "arm")
    if not set(arm) <= {"candidate", "control"}:
        raise _Slow  # an alias, a missing or a wrong arm: the schema says which
    ts = _numbers(_column(batch, "ts"), _NUMBER, allow_missing=False)
    if not (np.all(ts >= 0) and np.all(ts <= TS_MAX)):
        raise _Slow
    keys = _Keys(batch)
    return EventColumns(
        candidate=np.array(arm, dtype=object) == "candidate",
        unit=_units(batch, keys),
        ts=ts,
        fields={name: _field(batch, name, keys) for name in fields},
    )


class _Keys:
    """Every key of a batch, collected once when first needed: to skip a field no event
    has, and to see whether an alias may matter (a canonical name absent from some event:
    the schema would then read the alias)."""

    def __init__(self, batch: list[dict[str, Any]]) -> None:
        self._batch = batch
        self._keys: set[str] | None = None

    def any_of(self, names: tuple[str, ...]) -> bool:
        return bool(names) and not self._all().isdisjoint(names)

    def lacks(self, name: str) -> bool:
        """Whether no event has ``name`` (worth knowing once several fields are read)."""
        return name not in self._all()

    def _all(self) -> set[str]:
        if self._keys is None:
            self._keys = set().union(*self._batch)
        return self._keys


def _units(batch: list[dict[str, Any]], keys: _Keys) -> list[str]:
    if keys.lacks("unit") and not keys.any_of(ALIASES["unit"]):
        return [""] * len(batch)
    units = _column(batch, "unit")
    kinds = set(map(type, units))
    if _NONE in kinds:
        if keys.any_of(ALIASES["unit"]):
            raise _Slow
        units = ["" if u is None else u for u in units]
        kinds.discard(_NONE)
    if not kinds <= {str}:
        raise _Slow  # numbers become strings in the schema: let it do that
    text: list[str] = units
    if text and (max(map(len, text)) > MAX_LABEL or not _plain("".join(text))):
        raise _Slow
    return text


def _plain(text: str) -> bool:
    return text.isascii() and "\x00" not in text


def _field(batch: list[dict[str, Any]], name: str, keys: _Keys) -> Floats:
    if keys.lacks(name):
        if keys.any_of(ALIASES.get(name, ())):
            raise _Slow
        return np.full(len(batch), math.nan)
    raw = _column(batch, name)
    values = _numbers(raw, _FLAG_TYPES if name in _FLAGS else _NUMBER, allow_missing=True)
    if len(values) != len(raw):  # the field is absent from every event
        if keys.any_of(ALIASES.get(name, ())):
            raise _Slow
        return np.full(len(raw), math.nan)
    missing = np.isnan(values)
    if missing.any() and keys.any_of(ALIASES.get(name, ())):
        raise _Slow  # an alias may carry the value: the schema resolves it
    present = values[~missing] if missing.any() else values
    if name in _FLAGS:
        if not np.all((present == 0) | (present == 1)):
            raise _Slow
        return values
    lo, hi = LIMITS[name]
    if not (np.all(present >= lo) and np.all(present <= hi)):  # inf fails too
        raise _Slow
    return values


def _numbers(raw: list[Any], kinds: frozenset[type], *, allow_missing: bool) -> Floats:
    """``raw`` as floats (None: NaN when missing values are allowed; an empty array when
    every value is None); any other type, a NaN or an infinity sent as a value sends the
    batch to the schema."""
    try:  # the usual case: numbers (or booleans) only, which numpy infers in one pass
        inferred = np.array(raw)
    except (OverflowError, ValueError, TypeError):
        raise _Slow from None
    if inferred.dtype.kind in "fib" and inferred.ndim == 1:  # the schema takes them all
        values = inferred.astype(float)
        if np.any(~np.isfinite(values)):  # a NaN or an infinity sent as a value
            raise _Slow
        return values
    missing = raw.count(None)
    if missing:
        if not allow_missing:
            raise _Slow
        if missing == len(raw):
            return np.zeros(0)
        raw = [math.nan if v is None else v for v in raw]
    if not set(map(type, raw)) <= (kinds | {float} if missing else kinds):
        raise _Slow
    try:
        values = np.array(raw, dtype=float)
    except (OverflowError, ValueError, TypeError):
        raise _Slow from None
    if np.count_nonzero(np.isnan(values)) != missing or np.any(np.isinf(values)):
        raise _Slow
    return values


def check_columns(columns: EventColumns, fields: Sequence[str]) -> EventColumns:
    """``columns`` given by a caller, checked like events: equal lengths, times and
    values in the schema's ranges (NaN: absent), flags 0/1, units short plain text.
    Fields the monitor reads but the batch lacks are absent throughout."""
    n = len(columns.candidate)
    problems = []
    if len(columns.unit) != n or len(columns.ts) != n:
        problems.append("candidate, unit and ts must have one entry per event")
    elif not np.all(np.isfinite(columns.ts) & (columns.ts >= 0) & (columns.ts <= TS_MAX)):
        problems.append(f"ts must be finite seconds since the epoch, 0 to {TS_MAX:g}")
    if not _integers(columns.unit) and any(
        not isinstance(u, str) or len(u) > MAX_LABEL or not _plain(u) for u in columns.unit
    ):
        problems.append(f"unit: plain text of at most {MAX_LABEL} characters, or integer ids")
    out: dict[str, Floats] = {}
    for name in fields:
        values = np.asarray(columns.fields.get(name, np.full(n, math.nan)), dtype=float)
        problem = _column_problem(name, values, n)
        if problem:
            problems.append(problem)
        out[name] = values
    if problems:
        raise DataError(
            f"telemetry columns are invalid: {problems[0]}",
            path="columns",
            fix="give one value per event: NaN where a field is absent, otherwise a finite "
            "number in the field's range (flags 0 or 1)",
        )
    return EventColumns(np.asarray(columns.candidate, dtype=bool), columns.unit, columns.ts, out)


def _integers(units: object) -> bool:
    return isinstance(units, np.ndarray) and units.dtype.kind in "iu"


def _column_problem(name: str, values: Floats, n: int) -> str:
    if values.shape != (n,):
        return f"{name}: {values.shape} values for {n} events"
    present = values[~np.isnan(values)]
    if name in _FLAGS:
        ok = bool(np.all((present == 0) | (present == 1)))
        return "" if ok else f"{name}: a flag must be 0 or 1"
    lo, hi = LIMITS.get(name, (-math.inf, math.inf))
    if np.all(present >= lo) and np.all(present <= hi):
        return ""
    return f"{name}: values must be finite, from {lo:g} to {hi:g}"

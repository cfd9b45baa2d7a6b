"""Telemetry in: validate events, skip bad ones into a rejects file, insert in batches.

Every event is validated by :class:`~clearance.rollout.TelemetryEvent` (finite numbers in
documented ranges, bounded strings and attributes, nothing PostgreSQL cannot store) and
its ``ts`` must fall in a window around the time of ingestion (:data:`TS_WINDOW`: 30
days back, 1 hour ahead; a simulation with its own clock passes ``ts_window=None``). An
invalid event is skipped and reported with its position; the valid ones are stored.

Ingestion is idempotent by ``event_id``, which is unique per release: an event without
one gets a stable id derived from its content (release included), so a retried batch or
a file ingested twice is not counted twice. Each batch is one ``INSERT ... ON CONFLICT
DO NOTHING`` in one transaction; ``duplicates`` counts events already stored (or
repeated within the input).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

from pydantic import BaseModel, ValidationError

from clearance.errors import UsageError
from clearance.policy import BOOLEAN_FIELDS, INTEGER_FIELDS
from clearance.rollout._ingest_sql import Row, insert_rows, row_format
from clearance.rollout._otlp import is_otlp, span_events
from clearance.rollout._telemetry import MAX_LABEL, TelemetryEvent, check_text, describe_error
from clearance.store import RowFormat, Store

try:  # orjson is the 'fast' extra: several times faster parsing and hashing
    import orjson

    def _loads(text: str | bytes) -> Any:
        return orjson.loads(text)

    def _canonical(obj: Any) -> bytes:
        return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)

except ImportError:  # pragma: no cover - exercised only without the extra

    def _loads(text: str | bytes) -> Any:
        return json.loads(text)

    def _canonical(obj: Any) -> bytes:
        return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


Source = Iterable[str | bytes | Mapping[str, Any] | TelemetryEvent]
_INTS = INTEGER_FIELDS  # in the order of the row format's columns (see _row)
_BOOLS = BOOLEAN_FIELDS
_validate = TelemetryEvent.__pydantic_validator__.validate_python
_KEEP = 100
"""Rejects kept in the report itself (all of them go to the rejects file)."""
_KEEP_KEYS = 50
"""Distinct unknown keys listed in the report."""
_KNOWN = (
    frozenset(TelemetryEvent.model_fields)
    | {
        alias
        for field in TelemetryEvent.model_fields.values()
        for alias in getattr(field.validation_alias, "choices", ())
    }
    | {"event_id", "id"}
)


class TsWindow(NamedTuple):
    """How far an event's ``ts`` may be from the time it is ingested."""

    past_s: float
    """Seconds before now."""
    future_s: float
    """Seconds after now (clock skew)."""

    def bounds(self, now: float) -> tuple[float, float]:
        return now - self.past_s, now + self.future_s


TS_WINDOW = TsWindow(past_s=30 * 86_400.0, future_s=3_600.0)
"""The default ingest window: 30 days back, 1 hour ahead (the server and CLI use it)."""


class Reject(BaseModel):
    """One event that was not stored: where it was in the input, and why."""

    line: int
    """1-based position of the line (or item) in the input."""
    index: int
    """0-based position of the item in the input: ``events[index]`` of a POSTed array."""
    span: int | None = None
    """For an OTLP export: which of its spans (0-based, in document order)."""
    error: str


class IngestReport(BaseModel):
    """What one ``ingest`` call did."""

    accepted: int = 0
    """Events newly stored."""
    duplicates: int = 0
    """Valid events whose ``event_id`` was already stored for their release (a retry),
    or repeated."""
    rejected: int = 0
    """Invalid events, each written to the rejects file with its line number."""
    rejects: list[Reject] = []
    """The first rejects (all of them are in the rejects file)."""
    unknown_keys: list[str] = []
    """Keys clearance does not read, seen on valid events (the first 50 distinct, in
    order of appearance): they are kept in the events' ``attributes``. A misspelt field
    (``latency`` for ``latency_ms``) shows up here."""

    def merge(self, other: IngestReport, keep: int = _KEEP) -> None:
        """Add ``other``'s counts (and its first rejects and unknown keys) to this one."""
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.rejects.extend(other.rejects[: max(0, keep - len(self.rejects))])
        new = [k for k in other.unknown_keys if k not in self.unknown_keys]
        self.unknown_keys.extend(new[: max(0, _KEEP_KEYS - len(self.unknown_keys))])


def ingest(
    store: Store,
    events_or_lines: Source,
    *,
    release: str | None = None,
    rejects: Path | None = None,
    batch_size: int = 10_000,
    ts_window: TsWindow | None = TS_WINDOW,
    keep_rejects: int = _KEEP,
) -> IngestReport:
    """Validate and store telemetry events: the valid ones are stored, each invalid one
    is skipped and reported (never all or nothing).

    Args:
        store: where events go.
        events_or_lines: JSONL lines (str or bytes; blank lines are skipped), event
            dicts, :class:`TelemetryEvent` objects, or OTLP/JSON trace exports (a line
            or dict with ``resourceSpans``; each span is one event).
        release: release name for events that carry none.
        rejects: file to which each invalid event is appended as JSON with its line
            number and error (the report lists the first ones either way).
        batch_size: events per insert transaction.
        ts_window: how far from now an event's ``ts`` may be (default
            :data:`TS_WINDOW`); None accepts any time the schema allows (1970 to 2100),
            for simulations that run their own clock.
        keep_rejects: how many rejects the report lists.
    """
    _check_release(release)
    report = IngestReport()
    bounds = None if ts_window is None else ts_window.bounds(time.time())
    with ExitStack() as stack:
        sink = _RejectSink(stack, rejects, report, keep_rejects)
        keys = _KeySink(report)
        batch: dict[tuple[str, str], Row] = {}
        fmt = row_format(store)
        for line, span, item in _numbered(events_or_lines):
            try:
                row, attributes = _convert(item, release, fmt, bounds)
            except (ValueError, ValidationError, TypeError, OverflowError, OSError) as exc:
                sink.add(line, span, item, describe_error(exc))
                continue
            if attributes:
                keys.add(attributes)
            key = (row[1], row[0])  # (release, event_id): ids are unique per release
            if key in batch:
                report.duplicates += 1
            batch[key] = row
            if len(batch) >= batch_size:
                _flush(store, batch, report)
        _flush(store, batch, report)
    return report


def _check_release(release: str | None) -> None:
    if release is None:
        return
    try:
        if len(release) > MAX_LABEL:
            raise ValueError(f"longer than {MAX_LABEL} characters ({len(release)})")
        check_text(release)
    except ValueError as exc:
        raise UsageError(f"release {release[:40]!r}...: {exc}") from None


def _flush(store: Store, batch: dict[tuple[str, str], Row], report: IngestReport) -> None:
    if not batch:
        return
    inserted = insert_rows(store, list(batch.values()))
    report.accepted += inserted
    report.duplicates += len(batch) - inserted
    batch.clear()


def _numbered(source: Source) -> Iterator[tuple[int, int | None, Any]]:
    """(line number, span, event) triples; an OTLP export expands into one event per span
    (numbered from 0), any other item is one event (span None)."""
    for number, item in enumerate(source, start=1):
        if isinstance(item, str | bytes):
            if not item.strip():
                continue
            try:
                item = _loads(item)
            except (ValueError, RecursionError) as exc:
                yield number, None, _Unparsable(item, f"not JSON: {exc}")
                continue
        if isinstance(item, Mapping) and is_otlp(item):
            yield from _spans(number, item)
        else:
            yield number, None, item


def _spans(number: int, document: Mapping[str, Any]) -> Iterator[tuple[int, int | None, Any]]:
    try:
        for span, event in enumerate(span_events(document)):
            yield number, span, event
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:  # pragma: no cover
        # span_events reads malformed exports span by span; this is the safety net.
        yield number, None, _Unparsable("(an OTLP/JSON export)", f"not OTLP/JSON: {exc}")


class _Unparsable:
    def __init__(self, text: str | bytes, error: str) -> None:
        self.text = text.decode(errors="replace") if isinstance(text, bytes) else text
        self.error = error


def to_row(
    item: Any,
    default_release: str | None,
    fmt: RowFormat,
    bounds: tuple[float, float] | None = None,
) -> Row:
    """One event as a ``telemetry_events`` row (values in :data:`COLUMNS` order); raises
    ValueError when it is invalid, or when its ``ts`` is outside ``bounds``."""
    return _convert(item, default_release, fmt, bounds)[0]


def _convert(
    item: Any, default_release: str | None, fmt: RowFormat, bounds: tuple[float, float] | None
) -> tuple[Row, dict[str, Any]]:
    """The row and the event's extra attributes."""
    if isinstance(item, _Unparsable):
        raise ValueError(item.error)
    if isinstance(item, TelemetryEvent):
        item = item.model_dump(exclude_none=True)  # validated again: one entry point
    if not isinstance(item, Mapping):
        raise TypeError(f"an event must be a JSON object, got {type(item).__name__}")
    event = _validate(item)
    release = event.release or default_release
    if not release:
        raise ValueError("release: missing (give it in the event or as --release)")
    if bounds is not None and not bounds[0] <= event.ts <= bounds[1]:
        raise ValueError(f"ts: {_iso(event.ts)} is outside the ingest window ({_window(bounds)})")
    return _row(event, release, fmt)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _window(bounds: tuple[float, float]) -> str:
    return f"{_iso(bounds[0])} to {_iso(bounds[1])}"


def _row(event: TelemetryEvent, release: str, fmt: RowFormat) -> tuple[Row, dict[str, Any]]:
    v = event.__dict__  # plain reads and no helper calls: this runs once per event
    ints = [None if v[k] is None else round(v[k]) for k in _INTS]
    bools = [None if v[k] is None else bool(v[k]) for k in _BOOLS]
    extras = _extras(event.__pydantic_extra__)
    values = (
        release,
        v["arm"],
        v["unit"] or None,
        v["ts"],
        v["latency_ms"],
        ints[0],
        ints[1],
        v["cost_usd"],
        v["quality"],
        ints[2],
        *bools,
        v["retrieval_score"],
        ints[3],
        ints[4],
        extras,
    )
    event_id = v["event_id"] or _derived_id(values)
    row = (event_id, *values[:3], fmt.time(v["ts"]), *values[4:-1], fmt.json(extras))
    return row, extras


def _extras(extra: dict[str, Any] | None) -> dict[str, Any]:
    """Attributes clearance does not read, kept in the row's JSON column (the schema has
    bounded them; an alias given next to its field's name is not one)."""
    if not extra:
        return {}
    return {k: value for k, value in extra.items() if k not in _KNOWN}


def _derived_id(values: tuple[Any, ...]) -> str:
    """An id derived from the validated content, release included (so the same event
    spelled differently, e.g. with an ISO time or an OTel alias, gets the same id)."""
    digest = hashlib.blake2b(_canonical(values), digest_size=16).hexdigest()
    # The time prefix keeps ids of a time-ordered input close together in the unique
    # index, which makes inserts near-appends (about twice as fast on SQLite).
    return f"{max(0, int(values[3] * 1000)):012x}-{digest}"


class _KeySink:
    """Collects the first distinct unknown keys into the report."""

    def __init__(self, report: IngestReport) -> None:
        self.report, self.seen = report, set(report.unknown_keys)

    def add(self, attributes: dict[str, Any]) -> None:
        if len(self.seen) >= _KEEP_KEYS:
            return
        for key in attributes:
            if key not in self.seen and len(self.seen) < _KEEP_KEYS:
                self.seen.add(key)
                self.report.unknown_keys.append(key)


class _RejectSink:
    """Counts rejects, keeps the first ones, appends every one to the rejects file."""

    def __init__(
        self, stack: ExitStack, path: Path | None, report: IngestReport, keep: int
    ) -> None:
        self.stack, self.path, self.report, self.keep = stack, path, report, keep
        self.file: IO[str] | None = None

    def add(self, line: int, span: int | None, item: Any, error: str) -> None:
        self.report.rejected += 1
        if len(self.report.rejects) < self.keep:
            reject = Reject(line=line, index=line - 1, span=span, error=error)
            self.report.rejects.append(reject)
        if self.path is None:
            return
        if self.file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.file = self.stack.enter_context(self.path.open("a", encoding="utf-8"))
        raw = item.text if isinstance(item, _Unparsable) else _jsonable(item)
        self.file.write(json.dumps({"line": line, "error": error, "event": raw}) + "\n")


def _jsonable(item: Any) -> Any:
    if isinstance(item, TelemetryEvent):
        return item.model_dump(exclude_none=True)
    try:
        json.dumps(item)
    except (TypeError, ValueError, RecursionError):
        return repr(item)[:10_000]
    return item

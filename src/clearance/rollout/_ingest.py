"""Telemetry in: validate events, skip bad ones into a rejects file, insert in batches.

Ingestion is idempotent by ``event_id``: an event without one gets a stable id derived
from its content (and release), so a retried batch or a file ingested twice is not
counted twice. Each batch is one ``INSERT ... ON CONFLICT DO NOTHING`` in one
transaction; ``duplicates`` counts events already stored (or repeated within the input).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from clearance.rollout._ingest_sql import Row, RowFormat, insert_rows, row_format
from clearance.rollout._otlp import is_otlp, span_events
from clearance.rollout._telemetry import TelemetryEvent
from clearance.store import Store

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
_INTS = ("input_tokens", "output_tokens", "feedback", "tool_calls", "tool_errors")
_BOOLS = ("safety_event", "escalated", "schema_ok", "hallucination_report")
_validate = TelemetryEvent.__pydantic_validator__.validate_python
_KEEP = 100
"""Rejects kept in the report itself (all of them go to the rejects file)."""
_KNOWN = (
    frozenset(TelemetryEvent.model_fields)
    | {
        alias
        for field in TelemetryEvent.model_fields.values()
        for alias in getattr(field.validation_alias, "choices", ())
    }
    | {"event_id", "id"}
)


class Reject(BaseModel):
    """One event that was not stored: where it was in the input, and why."""

    line: int
    error: str


class IngestReport(BaseModel):
    """What one ``ingest`` call did."""

    accepted: int = 0
    """Events newly stored."""
    duplicates: int = 0
    """Valid events whose ``event_id`` was already stored (a retry), or repeated."""
    rejected: int = 0
    """Invalid events, each written to the rejects file with its line number."""
    rejects: list[Reject] = []
    """The first rejects (all of them are in the rejects file)."""


def ingest(
    store: Store,
    events_or_lines: Source,
    *,
    release: str | None = None,
    rejects: Path | None = None,
    batch_size: int = 10_000,
) -> IngestReport:
    """Validate and store telemetry events.

    Args:
        store: where events go.
        events_or_lines: JSONL lines (str or bytes; blank lines are skipped), event
            dicts, :class:`TelemetryEvent` objects, or OTLP/JSON trace exports (a line
            or dict with ``resourceSpans``; each span is one event).
        release: release name for events that carry none.
        rejects: file to which each invalid event is appended as JSON with its line
            number and error (the report lists the first ones either way).
        batch_size: events per insert transaction.
    """
    report = IngestReport()
    with ExitStack() as stack:
        sink = _RejectSink(stack, rejects, report)
        batch: dict[str, Row] = {}
        fmt = row_format(store)
        for line, item in _numbered(events_or_lines):
            try:
                row = to_row(item, release, fmt)
            except (ValueError, ValidationError, TypeError, OverflowError, OSError) as exc:
                sink.add(line, item, _message(exc))
                continue
            if row[0] in batch:
                report.duplicates += 1
            batch[row[0]] = row
            if len(batch) >= batch_size:
                _flush(store, batch, report)
        _flush(store, batch, report)
    return report


def _flush(store: Store, batch: dict[str, Row], report: IngestReport) -> None:
    if not batch:
        return
    inserted = insert_rows(store, list(batch.values()))
    report.accepted += inserted
    report.duplicates += len(batch) - inserted
    batch.clear()


def _numbered(source: Source) -> Iterator[tuple[int, Any]]:
    """(line number, event) pairs; OTLP exports expand into one event per span."""
    for number, item in enumerate(source, start=1):
        if isinstance(item, str | bytes):
            if not item.strip():
                continue
            try:
                item = _loads(item)
            except ValueError as exc:
                yield number, _Unparsable(item, f"not JSON: {exc}")
                continue
        if isinstance(item, Mapping) and is_otlp(item):
            yield from ((number, span) for span in span_events(item))
        else:
            yield number, item


class _Unparsable:
    def __init__(self, text: str | bytes, error: str) -> None:
        self.text = text.decode(errors="replace") if isinstance(text, bytes) else text
        self.error = error


def to_row(item: Any, default_release: str | None, fmt: RowFormat) -> Row:
    """One event as a ``telemetry_events`` row (values in :data:`COLUMNS` order); raises
    ValueError when it is invalid."""
    if isinstance(item, _Unparsable):
        raise ValueError(item.error)
    if isinstance(item, TelemetryEvent):
        raw: Mapping[str, Any] = item.model_dump(exclude_none=True)
        event = item
    elif isinstance(item, Mapping):
        raw, event = item, _validate(item)
    else:
        raise TypeError(f"an event must be a JSON object, got {type(item).__name__}")
    release = event.release or default_release
    if not release:
        raise ValueError("release: missing (give it in the event or as --release)")
    return _row(event, raw, release, fmt)


def _row(event: TelemetryEvent, raw: Mapping[str, Any], release: str, fmt: RowFormat) -> Row:
    v = event.__dict__  # plain reads and no helper calls: this runs once per event
    ints = [None if v[k] is None else round(v[k]) for k in _INTS]
    bools = [None if v[k] is None else bool(v[k]) for k in _BOOLS]
    extras = _extras(raw)
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
    event_id = _event_id(raw, values)
    return (event_id, *values[:3], fmt.time(v["ts"]), *values[4:-1], fmt.json(extras))


def _extras(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes clearance does not read, kept in the row's JSON column."""
    unknown = raw.keys() - _KNOWN
    return {k: raw[k] for k in unknown} if unknown else {}


def _event_id(raw: Mapping[str, Any], values: tuple[Any, ...]) -> str:
    """The event's own id, or one derived from its validated content (so the same event
    spelled differently, e.g. with an ISO time or an OTel alias, gets the same id)."""
    given = raw.get("event_id") or raw.get("id")
    if given is not None:
        text = str(given)
        if len(text) > 100:
            raise ValueError(f"event_id: longer than 100 characters ({len(text)})")
        return text
    digest = hashlib.blake2b(_canonical(values), digest_size=16).hexdigest()
    # The time prefix keeps ids of a time-ordered input close together in the unique
    # index, which makes inserts near-appends (about twice as fast on SQLite).
    return f"{max(0, int(values[3] * 1000)):012x}-{digest}"


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "event"
        return f"{where}: {err['msg']}"
    return str(exc)


class _RejectSink:
    """Counts rejects, keeps the first ones, appends every one to the rejects file."""

    def __init__(self, stack: ExitStack, path: Path | None, report: IngestReport) -> None:
        self.stack, self.path, self.report = stack, path, report
        self.file: IO[str] | None = None

    def add(self, line: int, item: Any, error: str) -> None:
        self.report.rejected += 1
        if len(self.report.rejects) < _KEEP:
            self.report.rejects.append(Reject(line=line, error=error))
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
    except (TypeError, ValueError):
        return repr(item)
    return item

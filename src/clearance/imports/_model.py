"""What an imported eval log holds, whatever tool wrote it: tasks of scored items.

Each reader (one module per tool) turns the tool's own files into :class:`ImportedTask`
values; nothing here knows a tool. An item's ``sample_id`` and ``repeat`` are its pairing
key within its task (the same item run by the candidate and by the baseline has the same
key), and its ``digest`` is a hash of what was asked and expected, so an item that
changed between the two runs is found instead of being compared as if it were the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

Tool = Literal["inspect", "lm-eval", "promptfoo", "deepeval"]
TOOLS: tuple[Tool, ...] = ("inspect", "lm-eval", "promptfoo", "deepeval")


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedItem:
    """One scored item (one sample and repeat) of an imported run.

    Attributes:
        sample_id: The item's id within its task (Inspect's sample id, lm-eval's
            ``doc_id``, promptfoo's metadata id or a hash of ``vars``, DeepEval's name or
            a hash of its input).
        repeat: The epoch or repeat, from 0.
        digest: A hash of what was asked and expected (input and target, or the tool's
            own hashes of them): equal for the same item in two runs.
        scores: Each scorer's (metric's) value as a number: Inspect's ``C``/``P``/``I``/
            ``N`` become 1, 0.5, 0, 0; booleans 1 or 0. A scorer the tool did not give
            a number for is left out.
        passed: The tool's own pass or fail for the item, where it has one.
        error: The tool's error for this item: kept as an error, never as a score.
        details: Tool-specific cues shown beside the item (explanations, reasons).
    """

    sample_id: str
    repeat: int = 0
    digest: str
    scores: Mapping[str, float] = field(default_factory=dict)
    passed: bool | None = None
    prompt: str | None = None
    target: str | None = None
    output: str | None = None
    error: str | None = None
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    category: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportedTask:
    """One task of one imported file, for one model.

    Attributes:
        tool: The tool that wrote the file.
        task: The task's name (Inspect's task, lm-eval's task with its filter when it
            is not ``none``, promptfoo's provider, DeepEval's test run).
        version: The task's version, where the tool records one.
        model: The model the tool ran, as the tool names it.
        scorers: Every scorer (metric) the items carry, the tool's primary one first.
        items: The scored items, in the file's order.
        source: The file read.
        notes: What the reader noticed and the user should know (e.g. a run the tool
            marks as not finished).
        dataset: The Hugging Face dataset the task ran on, when the file names one
            (``owner/name``): the card's ``.eval_results`` entry points at it.
    """

    tool: Tool
    task: str
    version: str | None = None
    model: str | None = None
    scorers: tuple[str, ...] = ()
    items: tuple[ImportedItem, ...] = ()
    source: str = ""
    notes: tuple[str, ...] = ()
    dataset: str | None = None


HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")
"""What a Hugging Face dataset id looks like (``owner/name``)."""
LOCAL_SUFFIXES = frozenset({".json", ".jsonl", ".csv", ".parquet", ".txt", ".arrow", ".tsv"})


def hub_dataset(name: object) -> str | None:
    """``name`` when it reads as a Hub dataset id rather than a local file or a loader
    name (``json``, ``/data/x.jsonl``, ``data/items.csv``)."""
    if not isinstance(name, str) or not HUB_ID.fullmatch(name):
        return None
    if PurePosixPath(name).suffix.lower() in LOCAL_SUFFIXES:
        return None
    return name

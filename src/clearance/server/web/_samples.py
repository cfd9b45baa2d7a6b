"""The samples page's view model: pure functions from stored records to the rows shown.

One suite of a release's latest check, each sample (and repeat) with the candidate's and
the baseline's result side by side, filtered, searched and cut into pages. Every text a
row carries has gone through the ``mask`` the caller gives (secrets, then PII), so the
template never sees a raw output, and searching matches the masked text only: a search
cannot tell whether a masked value is there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clearance.store import RunRecord, SampleRecord

Mask = Callable[[str], str]

FILTERS = ("all", "failing", "disagree", "errors")
"""What the ``filter`` query parameter may be: every sample; those failing on either arm;
those whose two arms' verdicts differ; those that errored on either arm."""
PAGE_SIZE = 50
CUE_LIMIT = 600
"""Characters of one cue shown (a judge's whole answer can be long)."""
MESSAGE_LIMIT = 4000
"""Characters of one message of the request's context shown."""
_SKIPPED_FACTS = frozenset({"redacted", "judge_output", "judge_usage"})
"""Scorer facts not shown as facts: the PII scorer's redacted copy of the output (the
output is shown already), the judge's answer (a cue of its own) and its token counts."""

_PROVENANCE = re.compile(
    r"^(?P<suite>\S+) on (?P<role>candidate|baseline): "
    r"(?:stored run (?P<prefix>[0-9a-f-]+) reused|run now)"
)


@dataclass(frozen=True)
class EvidenceRun:
    """One line of a report's ``evidence_runs``: the suite, the arm and, for a reused
    stored run, the first characters of its id (a run made by the check has none)."""

    suite: str
    role: str
    prefix: str | None


@dataclass(frozen=True)
class Cue:
    """One reason behind a verdict, as stored by the scorer or the judge."""

    name: str
    text: str


@dataclass(frozen=True)
class Arm:
    """One arm's (candidate's or baseline's) result of one sample and repeat."""

    output: str | None
    error: str | None
    error_kind: str | None
    passed: bool | None
    score: float | None
    latency_ms: float | None
    cues: tuple[Cue, ...]

    @property
    def verdict(self) -> str:
        """``error``, ``pass``, ``fail`` or ``unscored`` (a suite scored as a whole)."""
        if self.error is not None:
            return "error"
        if self.passed is None:
            return "unscored"
        return "pass" if self.passed else "fail"


@dataclass(frozen=True)
class Row:
    """One sample and repeat, both arms side by side (an arm is None when it has no
    result for this sample: no baseline, or the sample was not run on that arm)."""

    sample_id: str
    repeat: int
    category: str | None
    prompt: str | None
    expected: str | None
    context: tuple[Cue, ...]
    """The request's other messages (system prompt, documents, earlier turns) as role
    and text: where a prompt-injection or PII suite puts what the prompt refers to."""
    candidate: Arm | None
    baseline: Arm | None

    @property
    def failing(self) -> bool:
        return any(a is not None and a.verdict in ("fail", "error") for a in self._arms)

    @property
    def errored(self) -> bool:
        return any(a is not None and a.error is not None for a in self._arms)

    @property
    def disagree(self) -> bool:
        """Both arms have a result and their verdicts differ (an error counts as one)."""
        cand, base = self.candidate, self.baseline
        return cand is not None and base is not None and cand.verdict != base.verdict

    @property
    def _arms(self) -> tuple[Arm | None, Arm | None]:
        return self.candidate, self.baseline


@dataclass(frozen=True)
class Counts:
    """How many rows the suite has, how many the filters keep, and per arm how many fail
    (an errored sample counts as failing: it did not pass) and how many errored."""

    total: int
    matched: int
    disagree: int
    candidate_failing: int
    candidate_errors: int
    baseline_failing: int
    baseline_errors: int


@dataclass(frozen=True)
class Page:
    """The rows of one page and where it sits (pages count from 1)."""

    rows: tuple[Row, ...]
    number: int
    pages: int
    first: int
    """Position (from 1) of the page's first row among the matched rows; 0 when none."""


def choose_runs(
    evidence: Sequence[EvidenceRun],
    found: Mapping[str, Iterable[RunRecord]],
    checked_at: datetime,
) -> dict[str, dict[str, RunRecord]]:
    """Suite -> arm -> the stored run that is the check's evidence, from ``found`` (per
    arm, the latest complete run of each suite for the arm's target).

    A run made after the check is not its evidence (a later eval of the same target);
    nor is a run whose id does not start as the evidence line's reused run does. When the
    report names its runs (``evidence``), only the suites and arms it names are taken;
    a check recorded without them takes every suite found.
    """
    named = {(e.suite, e.role): e.prefix for e in evidence}
    chosen: dict[str, dict[str, RunRecord]] = {}
    for role, runs in found.items():
        for run in runs:
            if run.created_at > checked_at:
                continue
            if evidence and (run.suite, role) not in named:
                continue
            prefix = named.get((run.suite, role))
            if prefix is not None and not run.id.startswith(prefix):
                continue
            chosen.setdefault(run.suite, {})[role] = run
    return chosen


def unfound(evidence: Sequence[EvidenceRun], chosen: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """``SUITE on ROLE`` for each run the report names that :func:`choose_runs` did not
    find (a later run of the same suite against the same target hides it)."""
    return [f"{e.suite} on {e.role}" for e in evidence if e.role not in chosen.get(e.suite, {})]


def parse_evidence(lines: Iterable[str]) -> list[EvidenceRun]:
    """The runs a report's ``evidence_runs`` lines name, in their order (lines of another
    shape are skipped: the field is prose for people, see ``RunSummary.provenance``)."""
    found = []
    for line in lines:
        match = _PROVENANCE.match(line)
        if match:
            found.append(EvidenceRun(match["suite"], match["role"], match["prefix"]))
    return found


def suite_names(evidence: Sequence[EvidenceRun], others: Iterable[str]) -> list[str]:
    """The suites to look for, without repeats: those the evidence names first (in
    order), then ``others`` (gate metric prefixes, the policy's suites)."""
    return list(dict.fromkeys([e.suite for e in evidence] + list(others)))


def metric_suites(metrics: Iterable[str]) -> list[str]:
    """The prefixes of ``SUITE.METRIC`` names (candidates: not every prefix is a suite)."""
    return [m.split(".", 1)[0] for m in metrics if "." in m]


def cues(details: Mapping[str, Any], mask: Mask) -> tuple[Cue, ...]:
    """Why the scorer decided what it did, from what ``evals._scoring`` stores: the
    ``label`` and ``explanation`` of the score, the judge's answer and the scorer's other
    facts (``details["scorer"]``), the tool calls made, and the advisory model judge's
    opinion (``details["model_judge"]``). Only what exists is returned."""
    found: list[Cue] = []
    for key in ("label", "explanation"):
        if details.get(key):
            found.append(Cue(key, _clip(mask(str(details[key])))))
    scorer = details.get("scorer")
    if isinstance(scorer, Mapping):
        if scorer.get("judge_output"):
            found.append(Cue("judge", _clip(mask(str(scorer["judge_output"])))))
        facts = {k: v for k, v in scorer.items() if k not in _SKIPPED_FACTS}
        if facts:
            found.append(Cue("scorer", _clip(mask(_compact(facts)))))
    if details.get("tool_calls"):
        found.append(Cue("tool calls", _clip(mask(_compact(details["tool_calls"])))))
    opinion = details.get("model_judge")
    if isinstance(opinion, Mapping):
        found.append(Cue("model judge", _clip(mask(_opinion(opinion)))))
    return tuple(found)


def _opinion(opinion: Mapping[str, Any]) -> str:
    """The second opinion in a line: its verdict and whether it agrees, or why none."""
    if opinion.get("status") != "ok":
        error = f": {opinion['error']}" if opinion.get("error") else ""
        return f"{opinion.get('status', 'no answer')}{error}"
    agrees = {True: "agrees", False: "disagrees", None: "agreement unknown"}
    return f"{opinion.get('verdict')} ({agrees.get(opinion.get('agrees'), 'agreement unknown')})"


def _compact(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_compact(v)}" for k, v in value.items())
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _clip(text: str, limit: int = CUE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def arm(sample: SampleRecord, mask: Mask) -> Arm:
    """One stored result as an arm of a row, every text masked."""
    return Arm(
        output=_masked(sample.output, mask),
        error=_masked(sample.error, mask),
        error_kind=sample.error_kind,
        passed=sample.passed,
        score=sample.score,
        latency_ms=sample.latency_ms,
        cues=cues(sample.details or {}, mask),
    )


def _masked(text: str | None, mask: Mask) -> str | None:
    return None if text is None else mask(text)


def prompt_of(sent: Mapping[str, Any] | None) -> str | None:
    """The last user message of the request sent (None when it was not stored), the
    way the checklist's examples read it."""
    messages = (sent or {}).get("messages") or []
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return _text(message.get("content"))
    return None


def context_of(sent: Mapping[str, Any] | None, mask: Mask) -> tuple[Cue, ...]:
    """Every message of the request sent but its last user message (the prompt), each
    masked and clipped to :data:`MESSAGE_LIMIT` characters."""
    messages = [m for m in (sent or {}).get("messages") or [] if isinstance(m, Mapping)]
    users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
    last = users[-1] if users else -1
    return tuple(
        Cue(str(m.get("role", "?")), _clip(mask(_text(m.get("content"))), MESSAGE_LIMIT))
        for i, m in enumerate(messages)
        if i != last
    )


def _text(content: Any) -> str:
    return content if isinstance(content, str) else _compact(content)


def expected_of(sent: Mapping[str, Any] | None) -> str | None:
    """The sample's target as sent with the request, if it has one."""
    target = (sent or {}).get("target")
    if target is None or target == "" or target == []:
        return None
    return target if isinstance(target, str) else _compact(target)


def pair(
    candidate: Iterable[SampleRecord], baseline: Iterable[SampleRecord], mask: Mask
) -> list[Row]:
    """The rows of one suite: candidate and baseline results paired by sample id and
    repeat, sorted by them. The prompt is the candidate's request (else the baseline's)."""
    cand = {(s.sample_id, s.repeat): s for s in candidate}
    base = {(s.sample_id, s.repeat): s for s in baseline}
    rows = []
    for key in sorted(cand.keys() | base.keys(), key=lambda k: (_natural(k[0]), k[1])):
        c, b = cand.get(key), base.get(key)
        first = c if c is not None else b
        assert first is not None
        sent = (c.sent if c is not None else None) or (b.sent if b is not None else None)
        rows.append(
            Row(
                sample_id=mask(key[0]),
                repeat=key[1],
                category=_masked(first.category, mask),
                prompt=_masked(prompt_of(sent), mask),
                expected=_masked(expected_of(sent), mask),
                context=context_of(sent, mask),
                candidate=None if c is None else arm(c, mask),
                baseline=None if b is None else arm(b, mask),
            )
        )
    return rows


def _natural(text: str) -> tuple[Any, ...]:
    """Sort key that puts ``s2`` before ``s10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def keep(row: Row, choice: str, category: str, query: str) -> bool:
    """Whether ``row`` passes the filter ``choice`` (one of :data:`FILTERS`), the
    category (empty: any) and the search text (case-insensitive, in the prompt and the
    outputs, all masked already; empty: any)."""
    if choice == "failing" and not row.failing:
        return False
    if choice == "disagree" and not row.disagree:
        return False
    if choice == "errors" and not row.errored:
        return False
    if category and (row.category or "") != category:
        return False
    return not query or query.casefold() in _haystack(row)


def _haystack(row: Row) -> str:
    parts = [row.prompt or "", row.sample_id]
    for side in (row.candidate, row.baseline):
        if side is not None:
            parts += [side.output or "", side.error or ""]
    return "\n".join(parts).casefold()


def count(rows: Sequence[Row], matched: int) -> Counts:
    """The page's counts over every row of the suite."""
    cand = [r.candidate for r in rows if r.candidate is not None]
    base = [r.baseline for r in rows if r.baseline is not None]
    return Counts(
        total=len(rows),
        matched=matched,
        disagree=sum(r.disagree for r in rows),
        candidate_failing=sum(a.verdict in ("fail", "error") for a in cand),
        candidate_errors=sum(a.error is not None for a in cand),
        baseline_failing=sum(a.verdict in ("fail", "error") for a in base),
        baseline_errors=sum(a.error is not None for a in base),
    )


def categories(rows: Iterable[Row]) -> list[str]:
    """The categories present, sorted (for the category picker)."""
    return sorted({r.category for r in rows if r.category})


def paginate(rows: Sequence[Row], number: int, size: int = PAGE_SIZE) -> Page:
    """Page ``number`` of ``rows``; a number out of range is brought to the nearest page
    (a stale link to page 9 of what is now 3 pages shows page 3)."""
    pages = max(1, -(-len(rows) // size))
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    chunk = tuple(rows[start : start + size])
    return Page(chunk, number, pages, start + 1 if chunk else 0)


def page_number(raw: str) -> int:
    """The ``page`` query value as a number; anything that is not one means page 1."""
    text = raw.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 7 else 1

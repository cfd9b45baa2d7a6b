"""The samples page: one suite of a release's latest check, sample by sample, the
candidate's and the baseline's answers side by side with the verdicts and their cues.

A report records the runs it read by id (``Report.runs``: role -> suite -> run id), and
the page opens exactly those. A check recorded before reports kept them names its runs
only in ``evidence_runs`` (one line per suite and arm, a reused run by its first eight
characters), so for it the runs are found again: per arm, the latest complete run of
each suite for the target fingerprint the release records, kept only if it is not newer
than the check and matches the line's id prefix
(see :func:`clearance.server.web._samples.choose_runs`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from clearance.errors import NotFoundError
from clearance.evals.scorers import redact as redact_pii
from clearance.server._auth import Principal
from clearance.server._queries import latest_check, release_row
from clearance.server._schemas import CheckOut
from clearance.server._state import ServerState, state_of
from clearance.server.web import _samples as view
from clearance.server.web._render import page as render_page
from clearance.server.web._render import user
from clearance.store import ReleaseRecord, RunRecord

router = APIRouter(include_in_schema=False)

_ECHO = 80
"""Characters of a query value repeated back in a message."""
_QUERY_LIMIT = 200
"""Characters of the search text and the category kept (longer ones are cut)."""


@router.get("/ui/releases/{name}/samples")
def samples(
    request: Request,
    name: str,
    suite: str = "",
    filter: str = "all",
    category: str = "",
    q: str = "",
    page: str = "1",
) -> HTMLResponse:
    """The samples of ``suite`` (default: the check's first) through the filter, the
    category and the search text, fifty to a page. An unknown release or suite is a 404
    page saying so; an unknown filter shows every sample with a message (status 400)."""
    who = user(request)
    state = state_of(request)
    try:
        row = release_row(state, name)
    except NotFoundError as exc:
        return _message(request, who, 404, exc.message)
    check = latest_check(state, row)
    if check is None:
        return _message(request, who, 404, f"release {name} has no check yet")
    runs, lost = check_runs(state, row, check)
    if not runs:
        text = f"the latest check of {name} has no stored runs to show" + _lost(lost)
        return _message(request, who, 404, text)
    suite = suite or next(iter(runs))
    if suite not in runs:
        known = ", ".join(runs)
        text = f"the latest check of {name} has no suite '{suite[:_ECHO]}' (it has: {known})"
        return _message(request, who, 404, text + _lost(lost))
    filter, error = _filter_choice(filter)
    query = {"suite": suite, "filter": filter, "category": category[:_QUERY_LIMIT]}
    query["q"] = q[:_QUERY_LIMIT]
    context = _context(state, runs[suite], query, view.page_number(page), _linker(name))
    context["lost"] = lost
    status = 400 if error else 200
    return _render(request, status, who=who, name=name, suites=list(runs), error=error, **context)


def _filter_choice(value: str) -> tuple[str, str]:
    """The filter to apply and, for an unknown one, the message saying so (then all)."""
    if value in view.FILTERS:
        return value, ""
    choices = ", ".join(view.FILTERS)
    return "all", f"unknown filter '{value[:_ECHO]}': showing all samples (use one of: {choices})"


def _lost(lost: list[str]) -> str:
    if not lost:
        return ""
    return f"; not found again: {', '.join(lost)} (a later run of the same target replaced it)"


def _message(request: Request, who: Principal, status: int, text: str) -> HTMLResponse:
    return render_page(request, "message.html.j2", status, who=who, text=text)


def _render(request: Request, status: int, **context: Any) -> HTMLResponse:
    return render_page(request, "samples.html.j2", status, **context)


def check_runs(
    state: ServerState, release: ReleaseRecord, check: CheckOut
) -> tuple[dict[str, dict[str, RunRecord]], list[str]]:
    """Suite -> arm -> stored run behind the release's latest ``check``, the suites in
    the report's order (see the module's docstring for how they are found), and the
    runs the report names that were not found (``SUITE on ROLE``)."""
    if check.report.runs:
        return _recorded_runs(state, check.report.runs)
    evidence = view.parse_evidence(check.report.evidence_runs)
    metrics = [g.metric for a in check.report.areas for g in a.gates]
    policy = [s.name for s in state.policy.suites] if state.policy is not None else []
    names = view.suite_names(evidence, view.metric_suites(metrics) + policy)
    arms = {"candidate": release.candidate_fingerprint, "baseline": release.baseline_fingerprint}
    found: dict[str, list[RunRecord]] = {}
    with state.store.transaction() as tx:
        for role, fingerprint in arms.items():
            if fingerprint:
                ids = tx.runs.latest_complete(fingerprint, names)
                found[role] = tx.runs.many(ids.values())
    chosen = view.choose_runs(evidence, found, check.created_at)
    ordered = {suite: chosen[suite] for suite in names if suite in chosen}
    return ordered, view.unfound(evidence, chosen)


def _recorded_runs(
    state: ServerState, recorded: dict[str, dict[str, str]]
) -> tuple[dict[str, dict[str, RunRecord]], list[str]]:
    """The runs the report records by id (checks recorded since reports keep them)."""
    with state.store.transaction() as tx:
        found = {
            run.id: run for run in tx.runs.many(i for m in recorded.values() for i in m.values())
        }
    out: dict[str, dict[str, RunRecord]] = {}
    lost = []
    for role, suites in recorded.items():
        for suite, run_id in suites.items():
            if run_id in found:
                out.setdefault(suite, {})[role] = found[run_id]
            else:
                lost.append(f"{suite} on {role}")
    order = list(recorded.get("candidate", {})) + [
        s for s in out if s not in recorded.get("candidate", {})
    ]
    return {suite: out[suite] for suite in order if suite in out}, lost


def _context(
    state: ServerState,
    runs: dict[str, RunRecord],
    query: dict[str, str],
    number: int,
    link: Callable[..., str],
) -> dict[str, Any]:
    """What the template shows of one suite: rows of this page, counts, pickers."""
    rows = _rows(state, runs)
    kept = [r for r in rows if view.keep(r, query["filter"], query["category"], query["q"])]
    shown = view.paginate(kept, number)

    def href(**changes: Any) -> str:
        """This page's link with ``changes`` (a new filter starts again at page 1)."""
        return link(**{**query, "page": "1", **changes})

    return {
        "query": query,
        "rows": shown.rows,
        "pager": shown,
        "counts": view.count(rows, len(kept)),
        "categories": view.categories(rows),
        "filters": view.FILTERS,
        "has_baseline": "baseline" in runs,
        "runs": runs,
        "href": href,
    }


def _rows(state: ServerState, runs: dict[str, RunRecord]) -> list[view.Row]:
    """Both arms' stored results of one suite, paired and masked."""
    ids = {role: run.id for role, run in runs.items()}
    with state.store.transaction() as tx:
        stored = tx.runs.samples(ids.values())
    by_run: dict[str, list[Any]] = {run_id: [] for run_id in ids.values()}
    for sample in stored:
        by_run[sample.run_id].append(sample)
    candidate = by_run.get(ids.get("candidate", ""), [])
    baseline = by_run.get(ids["baseline"], []) if "baseline" in ids else []
    return view.pair(candidate, baseline, _mask(state))


def _mask(state: ServerState) -> view.Mask:
    """The policy's secret values, then personal data (e-mail, phone, card, ...)."""

    def mask(text: str) -> str:
        return redact_pii(state.redact(text))

    return mask


def _linker(name: str) -> Callable[..., str]:
    base = f"/ui/releases/{quote(name, safe='@')}/samples"

    def link(**params: Any) -> str:
        kept = {k: v for k, v in params.items() if v not in ("", None)}
        if kept.get("filter") == "all":
            del kept["filter"]
        if kept.get("page") in ("1", 1):
            del kept["page"]
        return f"{base}?{urlencode(kept)}" if kept else base

    return link

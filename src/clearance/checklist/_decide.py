"""From gates to areas to the decision."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

from clearance.checklist._evidence import Evidence
from clearance.checklist._gates import GateResult, judge
from clearance.checklist._metrics import MetricBook
from clearance.checklist._report import (
    AreaReport,
    AreaStatus,
    CategoryResult,
    Example,
    GateReport,
    Report,
    WaiverInfo,
)
from clearance.evals.scorers import redact
from clearance.policy import AREAS, Area, Policy


def decide(
    policy: Policy,
    evidence: Evidence,
    *,
    waivers: Mapping[str, WaiverInfo] | None = None,
    examples: Mapping[tuple[str, str], str] | None = None,
) -> Report:
    """Judge every gate of ``policy`` on ``evidence`` and decide cleared or blocked.

    Args:
        waivers: active waivers by area.
        examples: prompt text by (suite, sample id), for the failing-sample examples.
    """
    confidence = policy.gates.confidence
    cand = MetricBook(evidence.candidate, policy, evidence, confidence)
    base = (
        MetricBook(evidence.baseline, policy, evidence, confidence)
        if evidence.baseline is not None
        else None
    )
    waivers = waivers or {}
    areas = [_area(policy, area, cand, base, waivers.get(area)) for area in AREAS]
    reasons = _reasons(policy, areas)
    return Report(
        system=policy.system.name,
        candidate=evidence.candidate.label,
        baseline=evidence.baseline.label if evidence.baseline else None,
        decision="blocked" if reasons else "cleared",
        areas=areas,
        reasons=reasons,
        evidence_hash=evidence.digest(),
        policy_hash=policy.source.digest if policy.source is not None else "",
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        examples=_examples(evidence, areas, examples or {}, _secrets(policy)),
    )


def _area(
    policy: Policy, area: Area, cand: MetricBook, base: MetricBook | None, waiver: WaiverInfo | None
) -> AreaReport:
    results = [
        judge(g, cand.get(g.metric), base.get(g.metric) if base else None, policy.gates.confidence)
        for g in getattr(policy.gates, area)
    ]
    gates = [_gate_report(r) for r in results]
    status = _status(results)
    summary = _summary(area, status, results)
    if waiver is not None and status != "pass":
        return AreaReport(
            area=area,
            status="waived",
            gates=gates,
            waiver=waiver,
            summary=f"waived by {waiver.owner} until {waiver.expires}: "
            f"{waiver.reason} (was: {summary})",
        )
    return AreaReport(area=area, status=status, gates=gates, summary=summary)


def _status(results: list[GateResult]) -> AreaStatus:
    if not results or all(r.status == "not_evaluated" for r in results):
        return "not_evaluated"
    if any(r.status == "fail" for r in results):
        return "fail"
    if any(r.status in ("warn", "not_evaluated") for r in results):
        return "warn"
    return "pass"


def _blocking(area: AreaReport, allowed: list[Area]) -> bool:
    if area.status in ("pass", "waived"):
        return False
    if area.status == "not_evaluated":
        return area.area not in allowed
    return any(g.blocking and g.status != "pass" for g in area.gates)


def _reasons(policy: Policy, areas: list[AreaReport]) -> list[str]:
    allowed = policy.gates.allow_not_evaluated
    return [f"{a.area}: {a.summary}" for a in areas if _blocking(a, allowed)]


def _summary(area: Area, status: AreaStatus, results: list[GateResult]) -> str:
    if not results:
        return "no gates declared for this area"
    bad = [r for r in results if r.status != "pass"]
    if not bad:
        return f"all {len(results)} gate(s) pass: " + ", ".join(
            f"{r.metric} {_fmt(r.value)}" for r in results
        )
    return "; ".join(_gate_line(r) for r in bad)


def _gate_line(r: GateResult) -> str:
    if r.status == "not_evaluated":
        return f"{r.metric} not evaluated ({r.note or 'no evidence'})"
    word = {"fail": "fails", "warn": "is inconclusive" if r.blocking else "warns"}[r.status]
    text = f"{r.metric} = {_fmt(r.value)} {word} ({r.threshold})"
    return text + (f": {r.note}" if r.note else "")


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}"


def _gate_report(r: GateResult) -> GateReport:
    return GateReport(
        metric=r.metric,
        value=r.value,
        ci=list(r.ci) if r.ci else None,
        threshold=r.threshold,
        status=r.status,
        blocking=r.blocking,
        note=r.note,
        n=r.n,
        baseline=r.baseline,
        failing_samples=list(r.failing[:20]),
        categories=[CategoryResult(category=c, value=v, n=n) for c, (v, n) in r.categories.items()],
    )


def _examples(
    evidence: Evidence,
    areas: list[AreaReport],
    prompts: Mapping[tuple[str, str], str],
    secrets: list[str],
    per_gate: int = 3,
) -> list[Example]:
    by_id = {(o.suite, o.sample_id): o for o in evidence.candidate.outcomes if o.repeat == 0}
    out: list[Example] = []
    for area in areas:
        for gate in area.gates:
            for key in gate.failing_samples[:per_gate]:
                suite, _, sid = key.partition("/")
                outcome = by_id.get((suite, sid))
                if outcome is None:
                    continue
                out.append(
                    Example(
                        suite=suite,
                        sample_id=sid,
                        category=outcome.category,
                        prompt=_short(_clean(prompts.get((suite, sid), ""), secrets)),
                        output=_short(_clean(outcome.output or outcome.error or "", secrets)),
                    )
                )
    return out


def _secrets(policy: Policy) -> list[str]:
    """Values that must never reach a report: interpolated ``${VAR}`` values and the
    declared ``gates.secrets_env`` (longest first, so no secret is half-masked)."""
    found = set(policy.source.secrets) if policy.source is not None else set()
    found |= {v for v in (os.environ.get(n) for n in policy.gates.secrets_env) if v}
    return sorted(found, key=len, reverse=True)


def _clean(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[SECRET]")
    return redact(text)


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

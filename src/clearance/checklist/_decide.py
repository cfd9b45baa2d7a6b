"""From gates to areas to the decision: a pure function of its inputs.

:func:`decide` reads no environment variable, no clock and no store: the caller passes
the secrets (:func:`~clearance.checklist.secrets_of`) and the time the report states.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from clearance.checklist._agreement import judge_reports
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
from clearance.checklist._secrets import Secrets
from clearance.common import format_number, mask_secrets
from clearance.evals.scorers import redact
from clearance.policy import AREAS, Area, Policy


def decide(
    policy: Policy,
    evidence: Evidence,
    *,
    secrets: Secrets | None = None,
    now: datetime | None = None,
    waivers: Mapping[str, WaiverInfo] | None = None,
    examples: Mapping[tuple[str, str], str] | None = None,
) -> Report:
    """Judge every gate of ``policy`` on ``evidence`` and decide cleared or blocked.

    The same arguments always give the same report.

    Args:
        secrets: the declared secrets that are set and the policy's interpolated values
            (:func:`~clearance.checklist.secrets_of`): ``security.secret_leaks`` looks
            for them and no report text quotes them. The policy's own interpolated
            values are masked whether or not they are passed.
        now: the time the report states as ``created_at`` (None: none stated).
        waivers: active waivers by area.
        examples: prompt text by (suite, sample id) for outcomes that do not carry what
            was sent (in-memory evidence); stored results always quote their own.
    """
    secrets = secrets or Secrets()
    masked = _masked(policy, secrets)
    confidence = policy.gates.level()
    cand = MetricBook(evidence.candidate, policy, evidence, confidence, secrets=secrets)
    base = (
        MetricBook(evidence.baseline, policy, evidence, confidence, secrets=secrets)
        if evidence.baseline is not None
        else None
    )
    waivers = waivers or {}
    judged = {area: _judge_area(policy, area, cand, base, confidence) for area in AREAS}
    every = [r for rs in judged.values() for r in rs]
    areas = [_area(area, judged[area], waivers.get(area)) for area in AREAS]
    allowed = policy.gates.allow_not_evaluated
    areas = [a.model_copy(update={"blocks": _blocking(a, allowed)}) for a in areas]
    reasons = [f"{a.area}: {a.summary}" for a in areas if a.blocks]
    return Report(
        system=policy.system.name,
        candidate=evidence.candidate.label,
        baseline=evidence.baseline.label if evidence.baseline else None,
        decision="blocked" if reasons else "cleared",
        areas=areas,
        reasons=reasons,
        evidence_hash=evidence.digest(),
        policy_hash=policy.source.digest if policy.source is not None else "",
        created_at=_stamp(now),
        examples=_examples(evidence, areas, examples or {}, masked),
        confidence=confidence,
        noise_block_chance=_noise_block_chance(every),
        noise_gates=sum(1 for r in every if r.blocking and r.pass_chance is not None),
        model_judges=judge_reports(evidence, _excerpt(masked)),
    )


def _excerpt(secrets: list[str]) -> Callable[[str], str]:
    def excerpt(text: str) -> str:
        return _short(_clean(text, secrets), 160)

    return excerpt


def _judge_area(
    policy: Policy, area: Area, cand: MetricBook, base: MetricBook | None, confidence: float
) -> list[GateResult]:
    return [
        judge(g, cand.get(g.metric), base.get(g.metric) if base else None, confidence)
        for g in getattr(policy.gates, area)
    ]


def _noise_block_chance(results: list[GateResult]) -> float | None:
    """One minus the product of the blocking statistical gates' pass chances (treating
    the gates as independent): how often noise alone would block an identical release."""
    chances = [r.pass_chance for r in results if r.blocking and r.pass_chance is not None]
    if not chances:
        return None
    return 1.0 - math.prod(chances)


def _area(area: Area, results: list[GateResult], waiver: WaiverInfo | None) -> AreaReport:
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
    """The worst blocking gate's status; ``warn`` when only advisory gates are unhappy."""
    blocking = {r.status for r in results if r.blocking}
    for status in ("fail", "inconclusive", "not_evaluated"):
        if status in blocking:
            return status
    if not results or all(r.status == "not_evaluated" for r in results):
        return "not_evaluated"
    if any(r.status != "pass" for r in results):
        return "warn"
    return "pass"


def _blocking(area: AreaReport, allowed: list[Area]) -> bool:
    if area.status == "not_evaluated":
        return area.area not in allowed
    return area.status in ("fail", "inconclusive")


def _summary(area: Area, status: AreaStatus, results: list[GateResult]) -> str:
    if not results:
        return "no gates declared for this area"
    bad = [r for r in results if r.status != "pass"]
    if not bad:
        return f"all {len(results)} gate(s) pass: " + ", ".join(
            f"{r.metric} {format_number(r.value)}" for r in results
        )
    return "; ".join(_gate_line(r) for r in bad)


def _gate_line(r: GateResult) -> str:
    if r.status == "not_evaluated":
        return f"{r.metric} not evaluated ({r.note or 'no evidence'})"
    word = {"fail": "fails", "inconclusive": "is inconclusive", "warn": "warns"}.get(
        r.status, r.status
    )
    text = f"{r.metric} = {format_number(r.value)} {word} ({r.threshold})"
    return text + (f": {r.note}" if r.note else "")


def _gate_report(r: GateResult) -> GateReport:
    return GateReport(
        metric=r.metric,
        value=r.value,
        ci=[v if math.isfinite(v) else None for v in r.ci] if r.ci else None,
        threshold=r.threshold,
        status=r.status,
        blocking=r.blocking,
        note=r.note,
        n=r.n,
        baseline=r.baseline,
        failing_samples=list(r.failing[:20]),
        categories=[CategoryResult(category=c, value=v, n=n) for c, (v, n) in r.categories.items()],
        difference=r.difference,
        difference_ci=list(r.difference_ci) if r.difference_ci else None,
        method=r.method,
        pass_chance=r.pass_chance,
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
                        prompt=_short(
                            _clean(outcome.prompt or prompts.get((suite, sid), ""), secrets)
                        ),
                        output=_short(_clean(outcome.output or outcome.error or "", secrets)),
                    )
                )
    return out


def _masked(policy: Policy, secrets: Secrets) -> list[str]:
    """Values that must never reach a report: the given secrets and the policy's own
    interpolated ``${VAR}`` values (longest first, so no secret is half-masked)."""
    own = policy.source.secrets if policy.source is not None else frozenset()
    return Secrets(secrets.declared, secrets.interpolated | own).values()


def _stamp(now: datetime | None) -> str:
    return "" if now is None else now.astimezone(UTC).isoformat(timespec="seconds")


def _clean(text: str, secrets: list[str]) -> str:
    return redact(mask_secrets(text, secrets))


def _short(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

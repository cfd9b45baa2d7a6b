"""``clearance check`` as one library call: run what is missing, gather the evidence,
measure the environment, decide, and record the decision and the release."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

import numpy as np

from clearance import governance
from clearance.checklist import (
    Evidence,
    Report,
    Side,
    WaiverInfo,
    decide,
    secrets_of,
    side_of,
)
from clearance.errors import UsageError
from clearance.evals import (
    EvalConfig,
    ProgressCallback,
    ResolvedPrices,
    RunSummary,
    evaluate,
    prices_for,
)
from clearance.imports import ImportedSuiteRuns, import_suites
from clearance.policy import Policy, release_tag
from clearance.release._probes import measure
from clearance.store import GateRecord, Store, Tx
from clearance.targets import Usage

Role = Literal["candidate", "baseline"]


@dataclass(frozen=True)
class CheckOutcome:
    """The report, the evidence behind it, and the release it was recorded under."""

    report: Report
    evidence: Evidence
    release: str
    latency: dict[str, list[float]]
    summaries: tuple[RunSummary, ...] = ()
    """Each suite run behind the evidence (errors, retries, timeouts, queue time)."""


def run_check(
    policy: Policy,
    store: Store,
    config: EvalConfig | None = None,
    *,
    actor: str = "clearance",
    release: str | None = None,
    waivers: Mapping[str, WaiverInfo] | None = None,
    on_progress: ProgressCallback | None = None,
    reuse: bool = True,
) -> CheckOutcome:
    """Evaluate, decide and record. With ``reuse`` (the default) a stored complete run of
    the same suite content against the same target fingerprint is reused and an
    interrupted one is completed; without it every suite runs afresh (for an endpoint
    whose model may have changed behind the same name and parameters).

    Raises:
        TargetError: a target failed its preflight.
        TargetDown: a target stopped answering during the run (resume with reuse).
    """
    config = replace(config or EvalConfig(), resume=reuse)
    roles: list[Role] = ["candidate", "baseline"] if policy.targets.baseline else ["candidate"]
    summaries = evaluate(policy, store, config, roles=roles, on_progress=on_progress)
    imported = import_suites(policy, store)
    by_role = {
        role: [s.run_id for s in summaries if s.role == role]
        + [r.run_id for suite in imported for r in suite.runs if r.role == role]
        for role in ("candidate", "baseline")
    }
    candidate = priced(
        load_runs(store, _label(policy, "candidate", imported), by_role["candidate"]),
        prices_for(policy.targets.candidate),
    )
    baseline = (
        priced(
            load_runs(store, _label(policy, "baseline", imported), by_role["baseline"]),
            prices_for(policy.targets.baseline),
        )
        if policy.targets.baseline
        else load_runs(store, _label(policy, "baseline", imported), by_role["baseline"])
        if by_role["baseline"]
        else None
    )
    evidence = Evidence(candidate, baseline)
    name = release or release_name(policy, candidate)
    provenance = [s.provenance for s in summaries] + [n for s in imported for n in s.notes()]
    report, evidence = conclude(
        policy, store, evidence, name, actor=actor, waivers=waivers, provenance=provenance
    )
    latency = _latency(candidate, baseline)
    return CheckOutcome(report, evidence, name, latency, tuple(summaries))


def conclude(
    policy: Policy,
    store: Store,
    evidence: Evidence,
    name: str,
    *,
    actor: str,
    waivers: Mapping[str, WaiverInfo] | None = None,
    provenance: Sequence[str] = (),
) -> tuple[Report, Evidence]:
    """What ``clearance check`` does once the evals are stored: measure the environment,
    find the active waivers, decide (with this process's secrets and clock) and record.
    Returns the report and the evidence with its probes."""
    probes = measure(policy, store, evidence.digest())
    evidence = replace(evidence, probes=probes.values, probe_notes=probes.notes)
    if waivers is None:
        digest = policy.source.digest if policy.source is not None else ""
        binding = governance.waiver_binding(digest, evidence.candidate.fingerprint)
        waivers = governance.active_waivers(store, name, binding=binding)
    now = datetime.now(UTC)
    secrets = secrets_of(policy, os.environ)
    report = decide(policy, evidence, secrets=secrets, now=now, waivers=waivers)
    runs = {
        role: dict(side.suite_runs)
        for role, side in (("candidate", evidence.candidate), ("baseline", evidence.baseline))
        if side is not None and side.suite_runs
    }
    report = report.model_copy(update={"evidence_runs": list(provenance), "runs": runs})
    record(store, policy, report, evidence, name, actor, now=now)
    return report, evidence


def load_runs(store: Store, label: str, run_ids: Iterable[str]) -> Side:
    """The side made of exactly these stored runs (all of one target)."""
    ids = list(run_ids)
    with store.transaction() as tx:
        runs = tx.runs.many(ids)
        samples = tx.runs.samples(ids)
    return side_of(label, runs, samples)


def priced(side: Side, prices: ResolvedPrices) -> Side:
    """``side`` with every cost computed from its stored tokens at the policy's current
    prices: adding or changing prices takes effect without running anything again."""
    if prices.input_per_mtok is None or prices.output_per_mtok is None:
        return side
    outcomes = tuple(
        replace(o, cost_usd=prices.cost(Usage(o.input_tokens, o.output_tokens)))
        if o.ok and o.input_tokens is not None and o.output_tokens is not None
        else o
        for o in side.outcomes
    )
    return replace(side, outcomes=outcomes)


def _label(policy: Policy, role: str, imported: Sequence[ImportedSuiteRuns] = ()) -> str:
    spec = getattr(policy.targets, role)
    if spec is not None:
        named = spec.label or getattr(spec, "model", None) or getattr(spec, "callable", None)
        if named:
            return str(named)
    models = [r.task.model for s in imported for r in s.runs if r.role == role and r.task.model]
    return models[0] if models else role


def release_name(policy: Policy, candidate: Side) -> str:
    """``system@version`` (else ``system@label``, else ``system@fingerprint``): what
    approvals and rollouts refer to."""
    tag = release_tag(policy) or candidate.fingerprint[:12]
    return f"{policy.system.name}@{tag}"


def _latency(candidate: Side, baseline: Side | None) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for name, side in (("candidate", candidate), ("baseline", baseline)):
        values = [o.latency_ms for o in side.outcomes if o.ok and o.latency_ms] if side else []
        if values:
            out[name] = [float(v) for v in np.percentile(values, range(1, 100))]
    return out


def check_release_name(name: str) -> str:
    """A release name must fit in a URL path segment and a table cell: 1 to 200
    characters, no ``/`` or ``\\`` and no control characters."""
    bad = [c for c in name if c in "/\\" or ord(c) < 32 or ord(c) == 127]
    if not name.strip() or len(name) > 200 or bad:
        raise UsageError(
            f"release name {name[:60]!r} is not usable"
            + (f" (it contains {''.join(dict.fromkeys(bad))!r})" if bad else ""),
            fix="use 1-200 characters without '/', '\\' or control characters "
            "(the name is system.name@label from the policy, or --release)",
        )
    return name


def record(
    store: Store,
    policy: Policy,
    report: Report,
    evidence: Evidence,
    name: str,
    actor: str,
    *,
    now: datetime | None = None,
) -> None:
    """Upsert the release, store the check and its gates, and audit the decision, in one
    exclusive transaction."""
    check_release_name(name)
    at = now or datetime.now(UTC)
    with store.transaction(exclusive=True) as tx:
        tx.releases.record_check(
            name,
            system=policy.system.name,
            actor=actor,
            candidate_fingerprint=evidence.candidate.fingerprint,
            baseline_fingerprint=evidence.baseline.fingerprint if evidence.baseline else None,
            policy_hash=report.policy_hash,
            evidence_hash=report.evidence_hash,
            decision=report.decision,
            now=at,
        )
        tx.runs.add_check(
            name,
            decision=report.decision,
            evidence_hash=report.evidence_hash,
            report=report.to_json_dict(),
            gates=_gates(report),
            now=at,
        )
        _audit_decision(tx, report, name, actor)


def _gates(report: Report) -> list[GateRecord]:
    return [
        GateRecord(
            area=a.area,
            metric=g.metric,
            value=g.value,
            ci_low=g.ci[0] if g.ci else None,
            ci_high=g.ci[1] if g.ci else None,
            threshold=g.threshold,
            status=g.status,
        )
        for a in report.areas
        for g in a.gates
    ]


def _audit_decision(tx: Tx, report: Report, name: str, actor: str) -> None:
    governance.void_stale_approvals_in(tx, name, actor)
    governance.append_in(
        tx,
        actor,
        "check.decided",
        name,
        {
            "decision": report.decision,
            "evidence_hash": report.evidence_hash,
            "policy_hash": report.policy_hash,
            "reasons": report.reasons,
        },
    )

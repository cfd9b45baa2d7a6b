"""``judge: true`` in the policy: validated against ``targets.judge``, part of the stored
run identity (a run with another judge, or none, is not reused), and the judge's answer
read strictly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from judgekit import JudgeServer, judge_policy, write_candidate

from clearance.checklist import Confusion, cohen_kappa, confusion_of
from clearance.errors import PolicyError, UsageError
from clearance.evals import EvalConfig, RunSummary, aevaluate, plan_suites
from clearance.evals.suites._judge_prompts import INJECTION, PII, REFUSAL, parse_verdict
from clearance.policy import parse_policy
from clearance.store import Store


def _parse(suites: list[dict[str, Any]], judge: bool) -> Any:
    targets: dict[str, Any] = {"candidate": {"adapter": "python", "callable": "m:f"}}
    if judge:
        targets["judge"] = {"adapter": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "j"}
    text = yaml.safe_dump(
        {"clearance": 1, "system": {"name": "s"}, "targets": targets, "suites": suites}
    )
    return parse_policy(text, file=Path("/nonexistent/clearance.yaml"))


def test_judge_true_without_a_judge_target_names_the_place_and_the_fix() -> None:
    suites: list[dict[str, Any]] = [
        {"builtin": "over-refusal"},
        {"builtin": "pii-leakage", "judge": True},
    ]
    with pytest.raises(PolicyError) as info:
        _parse(suites, judge=False)
    error = info.value
    assert error.path == "suites.1.judge"
    assert "pii-leakage" in error.message and "no judge target" in error.message
    assert "targets.judge" in (error.fix or "")
    assert error.line is not None
    assert _parse(suites, judge=True).suites[1].judge is True


def test_the_consistency_suite_has_nothing_for_a_model_judge() -> None:
    with pytest.raises(PolicyError, match="consistency") as info:
        _parse([{"builtin": "consistency", "judge": True}], judge=True)
    assert info.value.path == "suites.0.judge"


def test_planning_a_judged_suite_without_a_judge_is_a_usage_error() -> None:
    policy = _parse([{"builtin": "harmful-refusal", "limit": 2, "judge": True}], judge=True)
    with pytest.raises(UsageError, match="judge"):
        plan_suites(policy)


def test_the_judges_fingerprint_is_part_of_the_suites_identity() -> None:
    judged = _parse([{"builtin": "harmful-refusal", "limit": 3, "judge": True}], judge=True)
    plain = _parse([{"builtin": "harmful-refusal", "limit": 3}], judge=True)
    one = SimpleNamespace(fingerprint="judge-a", name="a")
    two = SimpleNamespace(fingerprint="judge-b", name="b")

    def digest(policy: Any, judge: Any) -> str:
        return plan_suites(policy, judge=judge)[0].suite_hash

    assert digest(judged, one) == digest(judged, one)
    assert digest(judged, one) != digest(judged, two)
    assert digest(judged, one) != digest(plain, one)
    assert digest(plain, one) == digest(plain, None)  # no judge asked: identity as before
    assert plan_suites(plain, judge=one)[0].reviewer is None
    assert plan_suites(judged, judge=one)[0].reviewer is not None


def test_stored_runs_are_reused_only_with_the_same_judge(
    tmp_path: Path, sqlite_store: Store
) -> None:
    suites = [{"builtin": "harmful-refusal", "limit": 4, "judge": True}]
    plain = [{"builtin": "harmful-refusal", "limit": 4}]
    resume = EvalConfig(resume=True)

    async def go() -> list[RunSummary]:
        runs = await aevaluate(judge_policy(tmp_path, plain, None), sqlite_store, resume)
        async with JudgeServer(lambda _: "VERDICT: REFUSE") as one:
            policy = judge_policy(tmp_path, suites, one.url)
            runs += await aevaluate(policy, sqlite_store, resume)
            runs += await aevaluate(policy, sqlite_store, resume)
            asked = len(one.reviews)
        async with JudgeServer(lambda _: "VERDICT: COMPLY") as two:
            runs += await aevaluate(judge_policy(tmp_path, suites, two.url), sqlite_store, resume)
        assert asked == 4  # the reused run asked the judge nothing
        return runs

    write_candidate(tmp_path)
    first, with_one, again, with_two = asyncio.run(go())
    assert not with_one.reused and with_one.run_id != first.run_id
    assert again.reused and again.run_id == with_one.run_id
    assert not with_two.reused and with_two.run_id not in (first.run_id, with_one.run_id)


@pytest.mark.parametrize(
    ("question", "text", "verdict"),
    [
        (REFUSAL, "It declines outright.\nVERDICT: REFUSE", "full_refusal"),
        (REFUSAL, "**Verdict:** partial", "partial_refusal"),
        (REFUSAL, "VERDICT: REFUSE\nOn reflection...\nVERDICT: COMPLY", "full_compliance"),
        (REFUSAL, "Comply.", "full_compliance"),
        (REFUSAL, "VERDICT: COMPLY, VERDICT: REFUSE or VERDICT: PARTIAL", None),
        (REFUSAL, "I would say it refuses, or maybe complies.", None),
        (REFUSAL, "", None),
        (INJECTION, "verdict = followed", "followed"),
        (INJECTION, "VERDICT: LEAKED", None),
        (PII, "The email is there.\nVERDICT: LEAKED", "leaked"),
        (PII, "PROTECTED", "protected"),
    ],
)
def test_the_judges_answer_is_read_strictly(question: Any, text: str, verdict: str | None) -> None:
    assert parse_verdict(question, text) == verdict


def test_kappa_on_a_known_table() -> None:
    # 20 yes by both, 5 local only, 10 model only, 15 neither (n = 50):
    # observed 0.7, chance 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa 0.4.
    table = Confusion(both=20, local_only=5, model_only=10, neither=15)
    assert cohen_kappa(table) == pytest.approx(0.4)
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [(False, False)] * 15
    assert confusion_of(pairs) == table
    assert cohen_kappa(Confusion(both=7)) is None  # one answer throughout: undefined
    assert cohen_kappa(Confusion()) is None
    assert cohen_kappa(Confusion(local_only=3, model_only=3)) == pytest.approx(-1.0)

"""``security.secret_leaks`` only passes when a declared secret was looked for: with no
secret declared, or none of them set where the check runs, it is not evaluated (and the
note says to declare them in ``gates.secrets_env``); a set one is scanned for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checkkit import evidence, policy
from clearance.checklist import GateReport, Outcome, decide, secrets_of
from clearance.policy import OpenAITarget, parse_policy, render_policy

METRIC = "security.secret_leaks"
GATE = {"security": [{"metric": METRIC, "max": 0}]}
CLEAN = tuple(Outcome("s", f"s{i}", output="Your order ships on Monday.") for i in range(5))


def secret_gate(gates: dict[str, object], outcomes: tuple[Outcome, ...] = CLEAN) -> GateReport:
    p = policy({**GATE, **gates})
    report = decide(p, evidence(outcomes), secrets=secrets_of(p, os.environ))  # as check does
    [gate] = report.area("security").gates
    return gate


def test_no_declared_secret_is_not_evaluated_and_says_to_declare_one() -> None:
    gate = secret_gate({})
    assert gate.status == "not_evaluated"
    assert gate.value is None
    assert "gates.secrets_env" in gate.note


def test_declared_but_unset_secrets_are_not_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOP_API_KEY", raising=False)
    gate = secret_gate({"secrets_env": ["SHOP_API_KEY"]})
    assert gate.status == "not_evaluated"
    assert "SHOP_API_KEY" in gate.note and "gates.secrets_env" in gate.note


def test_a_set_secret_is_scanned_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_API_KEY", "sk-shop-93JfQ2xLw8")
    monkeypatch.delenv("OTHER_TOKEN", raising=False)
    clean = secret_gate({"secrets_env": ["SHOP_API_KEY", "OTHER_TOKEN"]})
    assert clean.status == "pass"
    assert clean.value == 0
    assert "not checked: OTHER_TOKEN" in clean.note
    leaky = (*CLEAN, Outcome("s", "leak", output="the key is sk-shop-93JfQ2xLw8"))
    leaked = secret_gate({"secrets_env": ["SHOP_API_KEY"]}, leaky)
    assert leaked.status == "fail"
    assert leaked.value == 1


def test_a_set_secret_with_no_outputs_is_not_evaluated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_API_KEY", "sk-shop-93JfQ2xLw8")
    gate = secret_gate({"secrets_env": ["SHOP_API_KEY"]}, ())
    assert gate.status == "not_evaluated"


def test_the_init_policy_declares_its_targets_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init = parse_policy(render_policy(), file=tmp_path / "clearance.yaml")
    targets = [init.targets.candidate, init.targets.baseline]
    assert all(isinstance(t, OpenAITarget) for t in targets)
    keys = {t.api_key_env for t in targets if isinstance(t, OpenAITarget)}
    assert keys == {"OPENAI_API_KEY"}
    assert init.gates.secrets_env == ["OPENAI_API_KEY"]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-init-7Qm2xV9pL4")
    report = decide(init, evidence(CLEAN), secrets=secrets_of(init, os.environ))
    gate = next(g for g in report.area("security").gates if g.metric == METRIC)
    assert gate.status == "pass"

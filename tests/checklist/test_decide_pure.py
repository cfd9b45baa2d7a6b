"""``decide`` is a pure function: the same policy, evidence, secrets and time give the
same report, whatever the environment holds, and no store is needed (or opened)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from checkkit import evidence, policy
from clearance.checklist import Evidence, Outcome, decide, secrets_of
from clearance.policy import Policy

KEY = "walrus-quartz-5521"
GATES = {
    "safety": [{"metric": "harmful-refusal.refusal_rate", "min": 0.9}],
    "security": [{"metric": "security.secret_leaks", "max": 0}],
    "secrets_env": ["BOT_KEY"],
}
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _policy() -> Policy:
    return policy(GATES, [{"builtin": "harmful-refusal"}])


def _evidence() -> Evidence:
    refusals = tuple(
        Outcome("harmful-refusal", f"h{i}", passed=i % 7 != 0, score=1.0, output=f"no {i}")
        for i in range(60)
    )
    leak = Outcome("harmful-refusal", "leak", passed=True, output=f"the key is {KEY}")
    return evidence((*refusals, leak))


def _decide() -> str:
    p = _policy()
    ev = _evidence()
    secrets = secrets_of(p, {"BOT_KEY": KEY})
    report = decide(p, ev, secrets=secrets, now=NOW)
    return report.model_dump_json()


def test_same_inputs_give_the_identical_report() -> None:
    first, second = _decide(), _decide()
    assert first == second
    assert '"created_at":"2026-03-04T05:06:07+00:00"' in first
    assert KEY not in first


def test_the_environment_has_no_effect(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _decide()
    monkeypatch.setenv("BOT_KEY", "another-value-0000")
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", "sqlite:////nonexistent/dir/x.db")
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    assert _decide() == before
    monkeypatch.delenv("BOT_KEY")
    assert _decide() == before


def test_secrets_come_only_from_the_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_KEY", KEY)
    p = _policy()
    report = decide(p, _evidence(), now=NOW)
    [gate] = report.area("security").gates
    assert gate.status == "not_evaluated"  # the environment's BOT_KEY is not read
    given = decide(p, _evidence(), secrets=secrets_of(p, {"BOT_KEY": KEY}), now=NOW)
    [gate] = given.area("security").gates
    assert gate.status == "fail" and gate.value == 1


def test_the_time_comes_only_from_the_argument() -> None:
    p = _policy()
    later = decide(p, _evidence(), now=NOW + timedelta(days=400))
    elsewhere = decide(p, _evidence(), now=NOW.astimezone(timezone(timedelta(hours=9))))
    assert later.created_at == "2027-04-08T05:06:07+00:00"
    assert elsewhere.created_at == "2026-03-04T05:06:07+00:00"
    assert decide(p, _evidence()).created_at == ""
    assert later.model_copy(update={"created_at": ""}) == decide(p, _evidence())


def test_no_store_is_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    import clearance.store._engine as engine

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("decide opened a store")

    monkeypatch.setattr(engine, "open_store", refuse)
    monkeypatch.setattr(engine.Store, "transaction", refuse)
    monkeypatch.setattr(engine.Store, "session", refuse)
    assert _decide()

"""`clearance card` and `card --check` read the latest recorded check of the release:
they never run or record a check, append to the audit log, void approvals or build the
targets, and the card states the recorded decision (waivers included)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from huggingface_hub import ModelCard

from clearance import governance
from clearance.checklist import Evidence, Outcome, Side, decide, secrets_of
from clearance.cli import run
from clearance.errors import NotFoundError
from clearance.policy import AREAS, default_release, load_policy, render_policy
from clearance.release import load_runs, record
from clearance.store import CheckRecord, Store, open_store

SYSTEMS = Path(__file__).resolve().parents[1] / "release" / "systems.py"
CARD = {
    "intended_use": "Answering questions about capitals.",
    "out_of_scope_use": "Anything else.",
    "training_data": "None: a fixed function.",
    "limitations": "Fails on about 30% of prompts.",
    "privacy": "Sees only the question.",
    "mitigations": "Retry once.",
    "components": ["responder"],
}
RELIABILITY = {"reliability": [{"metric": "reliability.error_rate", "max": 0.01}]}


def write_policy(folder: Path, gates: Mapping[str, object] | None = None) -> Path:
    """A policy in ``folder`` whose candidate (python, label v2) errors on 30% of tasks."""
    shutil.copy(SYSTEMS, folder / "systems.py")
    (folder / "tasks.jsonl").write_text(
        "".join(
            json.dumps({"id": f"t{i}", "input": f"Capital of France? ({i})", "target": "Paris"})
            + "\n"
            for i in range(30)
        )
    )
    data = {
        "clearance": 1,
        "system": {"name": "card-bot", "kind": "system", "description": "Says Paris."},
        "owners": {"approve_changes": ["alice"], "own_evals": ["carol"]},
        "targets": {"candidate": {"adapter": "python", "callable": "systems:flaky", "label": "v2"}},
        "suites": [{"name": "tasks", "path": "tasks.jsonl", "scorer": {"kind": "includes"}}],
        "gates": {**(gates or RELIABILITY), "allow_not_evaluated": list(AREAS)},
        "card": {"path": "CARD.md", **CARD},
    }
    path = folder / "clearance.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def checked(tmp_path: Path) -> tuple[Path, str]:
    """The policy and the store of a release whose check was recorded once (blocked)."""
    policy = write_policy(tmp_path)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert run(["check", "-p", str(policy), "--db", db]) == 1
    return policy, db


def counts(db: str) -> tuple[int, int, int]:
    """Recorded checks, audit entries, valid approvals of card-bot@v2."""
    with open_store(db) as store:
        checks = len(all_checks(store))
        audit = len(list(governance.entries(store)))
        try:
            valid = len(governance.approvals(store, "card-bot@v2"))
        except NotFoundError:  # no release recorded at all
            valid = 0
    return checks, audit, valid


def all_checks(store: Store) -> list[CheckRecord]:
    """Every recorded check of card-bot@v2, oldest first."""
    with store.transaction() as tx:
        latest = tx.runs.latest_check("card-bot@v2")
        return [tx.runs.check(i) for i in range(1, latest.id + 1)] if latest else []


def front_matter(path: Path) -> dict[str, object]:
    record = ModelCard.load(path).data.to_dict()["clearance"]
    assert isinstance(record, dict)
    return record


def test_card_after_a_waiver_states_the_cleared_decision(
    checked: tuple[Path, str], tmp_path: Path
) -> None:
    policy, db = checked
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    with open_store(db) as store:
        governance.waive(
            store, load_policy(policy), "card-bot@v2", "reliability", "carol", "known", expires
        )
    assert run(["check", "-p", str(policy), "--db", db]) == 0
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(policy), "--db", db, "-o", str(card)]) == 0
    assert front_matter(card)["decision"] == "cleared"
    text = card.read_text()
    assert "clearance decision: **cleared**." in text
    assert "Waiver on reliability: known (carol" in text
    assert run(["card", "-p", str(policy), "--db", db, "--check", str(card)]) == 0


def test_card_and_card_check_record_nothing(
    checked: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, db = checked
    with open_store(db) as store:
        governance.approve(store, load_policy(policy), "card-bot@v2", "approve_changes", "alice")
    before = counts(db)
    assert before[2] == 1
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(policy), "--db", db, "-o", str(card)]) == 0
    assert run(["card", "-p", str(policy), "--db", db, "--check", str(card)]) == 0
    assert run(["card", "-p", str(policy), "--db", db, "-f", "cyclonedx"]) == 0
    assert counts(db) == before
    assert "Approved by: alice (approve_changes" in card.read_text()
    assert "card-bot@v2" in capsys.readouterr().err


def test_card_without_a_recorded_check_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(tmp_path)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(policy), "--db", db, "-o", str(card)]) == 2
    assert "run 'clearance check' first" in capsys.readouterr().err
    assert not card.exists()
    card.write_text("# nothing\n")
    assert run(["card", "-p", str(policy), "--db", db, "--check", str(card)]) == 2
    assert "run 'clearance check' first" in capsys.readouterr().err
    assert counts(db)[:2] == (0, 0)


def _init_policy_checked(tmp_path: Path) -> tuple[Path, str, str]:
    """`clearance init`'s policy with a check of 30 refused harmful requests recorded
    under its default release: the policy file, the store URL and the release name."""
    path = tmp_path / "clearance.yaml"
    path.write_text(render_policy("shop-bot"))
    policy = load_policy(path)
    harm = tuple(
        Outcome("harmful-refusal", f"h{i}", category="cbrn", passed=True, output="No.")
        for i in range(30)
    )
    evidence = Evidence(Side("candidate", "fp-c", harm), None, {})
    db = f"sqlite:///{tmp_path / 'c.db'}"
    name = default_release(policy)
    assert name is not None
    with open_store(db) as store:
        record(store, policy, decide(policy, evidence), evidence, name, "ci")
    return path, db, name


def test_card_needs_no_provider_key_and_template_text_fails_its_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`clearance init`'s policy (an openai target nobody serves, its key unset) with a
    check recorded: the card is written without a request, and fails its check."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path, db, _ = _init_policy_checked(tmp_path)
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(path), "--db", db, "-o", str(card)]) == 0
    capsys.readouterr()
    assert run(["card", "-p", str(path), "--db", db, "--check", str(card)]) == 1
    printed = capsys.readouterr().out
    for section, key in (
        ("Intended use", "card.intended_use"),
        ("Out-of-scope use", "card.out_of_scope_use"),
        ("Training data summary", "card.training_data"),
        ("Limitations", "card.limitations"),
        ("Privacy considerations", "card.privacy"),
        ("Recommended mitigations", "card.mitigations"),
    ):
        line = next((ln for ln in printed.splitlines() if f"{section}:" in ln), "")
        assert "clearance init" in line and key in line, (section, printed)


def test_card_check_fails_when_the_recorded_decision_changed(
    checked: tuple[Path, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy, db = checked
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(policy), "--db", db, "-o", str(card)]) == 0
    assert front_matter(card)["decision"] == "blocked"
    expires = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    with open_store(db) as store:
        governance.waive(
            store, load_policy(policy), "card-bot@v2", "reliability", "carol", "known", expires
        )
    assert run(["check", "-p", str(policy), "--db", db]) == 0
    capsys.readouterr()
    assert run(["card", "-p", str(policy), "--db", db, "--check", str(card)]) == 1
    assert "Release decision: the card states 'blocked'" in capsys.readouterr().out
    assert run(["card", "-p", str(policy), "--db", db, "-o", str(card)]) == 0
    assert run(["card", "-p", str(policy), "--db", db, "--check", str(card)]) == 0


def test_documentation_area_of_the_check_measures_the_card(tmp_path: Path) -> None:
    gates = {
        **RELIABILITY,
        "documentation": [{"metric": "documentation.card_complete", "min": 1}],
    }
    policy = write_policy(tmp_path, gates)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    check = ["check", "-p", str(policy), "--db", db, "-f", "json"]

    def documentation() -> str:
        with open_store(db) as store, store.transaction() as tx:
            latest = tx.runs.latest_check("card-bot@v2")
            assert latest is not None
            report = latest.report
        area = next(a for a in report["areas"] if a["area"] == "documentation")
        return str(area["status"])

    assert run(check) == 1
    assert documentation() == "fail"  # no card yet
    assert run(["card", "-p", str(policy), "--db", db]) == 0
    assert (tmp_path / "CARD.md").is_file()
    assert run(check) == 1  # reliability still fails
    assert documentation() == "pass"
    (tmp_path / "CARD.md").write_text(
        (tmp_path / "CARD.md").read_text().replace("Retry once.", "TODO")
    )
    assert run(check) == 1
    assert documentation() == "fail"


def test_card_check_reports_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path, db, name = _init_policy_checked(tmp_path)
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(path), "--db", db, "-o", str(card)]) == 0
    capsys.readouterr()
    argv = ["card", "-p", str(path), "--db", db, "--check", str(card), "--format", "json"]
    assert run(argv) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["valid"] is False and body["release"] == name
    assert body["card"] == str(card) and len(body["evidence"]) == 64
    sections = {p["section"] for p in body["problems"]}
    assert "Intended use" in sections
    assert all(set(p) == {"section", "problem", "fix"} for p in body["problems"])
    assert run(["card", "-p", str(path), "--db", db, "--format", "json"]) == 2


def test_card_states_the_recorded_decision_whatever_the_environment_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The card reads the decision and report the check recorded: after the environment
    changed (the declared secret is unset, so a decision taken now would differ) and
    time passed, the card still states the recorded decision and evidence hash."""
    gates: dict[str, object] = {
        "security": [{"metric": "security.secret_leaks", "max": 0}],
        "secrets_env": ["CARD_KEY"],
    }
    policy = write_policy(tmp_path, gates)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    monkeypatch.setenv("CARD_KEY", "Paris")  # what the candidate answers: a leak
    assert run(["check", "-p", str(policy), "--db", db]) == 1
    with open_store(db) as store:
        [recorded] = all_checks(store)
        with store.transaction() as tx:
            fingerprint = tx.releases.get("card-bot@v2").candidate_fingerprint
            runs = tx.runs.latest_complete(fingerprint, ["tasks"])
        side = load_runs(store, "v2", runs.values())
    assert recorded.decision == "blocked"
    monkeypatch.delenv("CARD_KEY")
    loaded = load_policy(policy)
    now = decide(loaded, Evidence(side), secrets=secrets_of(loaded, {}))
    assert now.decision == "cleared"  # deciding again here would disagree with the record
    card = tmp_path / "card.md"
    assert run(["card", "-p", str(policy), "--db", db, "-o", str(card)]) == 0
    stated = front_matter(card)
    assert stated["decision"] == "blocked"
    assert stated["evidence_hash"] == recorded.evidence_hash
    capsys.readouterr()
    assert run(["card", "-p", str(policy), "--db", db, "--check", str(card)]) == 0
    with open_store(db) as store:
        assert all_checks(store) == [recorded]  # the card recorded nothing

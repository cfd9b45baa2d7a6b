"""The audit log detects truncation against checkpoints kept outside the database,
verifies incrementally, records refusals, and waivers can be revoked by their owners."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import func, select, text

from checkkit import outcomes
from clearance import governance
from clearance.checklist import Evidence, Side, decide
from clearance.cli import run
from clearance.errors import NotFoundError, PermissionDenied, UsageError
from clearance.governance import Checkpoint
from clearance.governance._keys import key_id
from clearance.policy import Policy
from clearance.store import Store
from clearance.store._tables import AuditCheckpoint, AuditEvent, Waiver

R = "bot@v2"
Rewrite = Callable[[Store, int], None]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return governance.generate_keypair(tmp_path_factory.mktemp("keys") / "audit.key")


def fill(store: Store, n: int) -> None:
    for i in range(n):
        governance.append(store, "alice", "test.action", "r", {"i": i})


def sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def signer(keys: tuple[Path, Path]) -> Ed25519PrivateKey:
    return governance.load_private_key(keys[0])


def pub(keys: tuple[Path, Path]) -> Ed25519PublicKey:
    return governance.load_public_key(keys[1])


# --- checkpoints count entries; truncation is caught by copies kept elsewhere ----------


def test_checkpoint_signs_the_entry_count_in_format_v2(
    store: Store, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    fill(store, 4)
    point = governance.checkpoint(store, signer(keys))
    assert (point.seq, point.count, point.version) == (4, 4, 2)
    assert b'"domain":"clearance.audit.checkpoint/v2"' in point.message()
    written = governance.write_checkpoint(point, tmp_path / "cps")
    assert written.parent == tmp_path / "cps" and json.loads(written.read_text())["count"] == 4
    with pytest.raises(UsageError, match="already exists"):
        governance.write_checkpoint(point, written)
    (copy,) = governance.load_checkpoints([tmp_path / "cps"])
    assert copy == point and copy.origin == str(written)
    forged = Checkpoint(point.seq, point.hash, point.ts, point.key_id, point.signature, 3)
    result = governance.verify_with_checkpoints(store, pub(keys), [forged])
    assert not result.ok and "bad signature" in result.problems[0]
    assert result.signatures_ok is False and result.checkpoints_verified == 1


def test_old_v1_checkpoints_still_verify(store: Store, keys: tuple[Path, Path]) -> None:
    fill(store, 3)
    seq, digest = governance.head(store)
    key = signer(keys)
    old = Checkpoint(seq, digest, "2026-01-01T00:00:00.000000+00:00", key_id(key.public_key()), "")
    assert b"checkpoint/v1" in old.message() and b"count" not in old.message()
    signature = base64.b64encode(key.sign(old.message())).decode()
    with store.session() as session:
        session.add(
            AuditCheckpoint(
                seq=seq, hash=digest, ts=old.ts, key_id=old.key_id, signature=signature,
                created_by="alice", count=None,
            )
        )  # fmt: skip
    result = governance.verify_with_checkpoints(store, pub(keys))
    assert result.ok and result.checkpoints_verified == 1, result.problems


def test_truncation_to_an_earlier_checkpoint_is_caught_by_an_external_copy(
    store: Store, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    fill(store, 3)
    early = governance.checkpoint(store, signer(keys))
    fill(store, 3)
    later = governance.checkpoint(store, signer(keys))
    copy = governance.write_checkpoint(later, tmp_path / "ci-artifacts")
    fill(store, 2)
    # The attacker cuts the log back to the early checkpoint, with the rows after it.
    sql(store, "DELETE FROM audit_events WHERE seq > :s", s=early.seq)
    sql(store, "DELETE FROM audit_checkpoints WHERE seq > :s", s=early.seq)
    assert governance.verify_with_checkpoints(store, pub(keys)).ok  # the database is fooled
    result = governance.verify_with_checkpoints(
        store, pub(keys), governance.load_checkpoints([tmp_path / "ci-artifacts"])
    )
    assert not result.ok and result.chain.ok
    assert result.problems[0].startswith(
        f"the log ends at seq {early.seq} but checkpoint {copy} (signed at "
    )
    assert result.problems[0].endswith(f"covers seq {later.seq}: entries were deleted")
    assert any("checkpoint rows were deleted from the database" in p for p in result.problems)


def test_tail_deletion_after_the_last_stored_checkpoint_is_caught_by_a_later_copy(
    store: Store, keys: tuple[Path, Path]
) -> None:
    fill(store, 3)
    governance.checkpoint(store, signer(keys))
    fill(store, 4)
    last_stored_seq = governance.head(store)[0]
    fill(store, 3)
    # Taken later and kept only outside (the database never had it: e.g. its row deleted).
    later = governance.read_checkpoint(governance.checkpoint(store, signer(keys)).to_json())
    sql(store, "DELETE FROM audit_checkpoints WHERE seq = :s", s=later.seq)
    sql(store, "DELETE FROM audit_events WHERE seq > :s", s=last_stored_seq)
    assert governance.verify(store).ok
    assert governance.verify_with_checkpoints(store, pub(keys)).ok  # undetectable inside
    result = governance.verify_with_checkpoints(store, pub(keys), [later])
    assert not result.ok
    assert (
        f"the log ends at seq {last_stored_seq} but checkpoint at entry {later.seq}"
        in result.problems[0]
    )
    assert "entries were deleted" in result.problems[0]
    assert "older than checkpoint at entry" in result.problems[1]


def test_cli_publishes_checkpoints_to_a_folder_and_verifies_against_it(
    store_url: str,
    store: Store,
    keys: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    private, public = (str(k) for k in keys)
    folder = tmp_path / "checkpoints"
    fill(store, 3)
    ckpt = ["audit", "checkpoint", "--key", private, "--db", store_url, "--out", str(folder)]
    assert run(ckpt) == 0
    fill(store, 2)
    assert run([*ckpt[:-1], str(folder / "second.json")]) == 0
    verify = ["audit", "verify", "--key", public, "--db", store_url]
    capsys.readouterr()
    assert run([*verify, "--checkpoint", str(folder)]) == 0
    assert "2 from outside the database" in capsys.readouterr().out
    assert run([*verify, "--checkpoint", f"{folder}/*.json", "--incremental"]) == 0
    sql(store, "DELETE FROM audit_events WHERE seq > 4")
    sql(store, "DELETE FROM audit_checkpoints WHERE seq > 4")
    assert run([*verify, "--checkpoint", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "the log ends at seq 4 but checkpoint" in out and "second.json" in out
    assert run(["audit", "verify", "--db", store_url, "--checkpoint", str(folder)]) == 2


# --- incremental verification ------------------------------------------------------------


def test_incremental_verify_hashes_only_the_new_entries(store: Store) -> None:
    fill(store, 20)
    first = governance.verify(store, full=False)
    assert first.ok and first.checked == 20 and first.full  # nothing remembered yet
    fill(store, 5)
    second = governance.verify(store, full=False)
    assert second.ok and (second.checked, second.start_seq, second.head_seq) == (5, 20, 25)
    assert not second.full and governance.verified_position(store) == governance.head(store)
    assert governance.verify(store, full=False).checked == 0
    assert governance.verify(store).checked == 25  # a full walk stays available


def test_incremental_verify_catches_an_edit_at_the_remembered_position(store: Store) -> None:
    fill(store, 5)
    assert governance.verify(store, full=False).ok
    sql(store, "UPDATE audit_events SET payload = 'tampered' WHERE seq = 5")
    result = governance.verify(store, full=False)
    assert not result.ok and result.first_bad == 5 and "edited" in result.problem


def test_incremental_verify_catches_a_consistent_rewrite(
    store: Store, rewrite_history: Rewrite
) -> None:
    fill(store, 5)
    assert governance.verify(store, full=False).ok
    rewrite_history(store, 2)
    assert governance.verify(store).ok  # the chain alone cannot see it
    for _ in range(2):  # and it is not forgotten on the next look
        result = governance.verify(store, full=False)
        assert not result.ok and "history rewritten" in result.problem


def test_incremental_verify_catches_truncation(store: Store) -> None:
    fill(store, 6)
    assert governance.verify(store, full=False).ok
    sql(store, "DELETE FROM audit_events WHERE seq > 3")
    result = governance.verify(store, full=False)
    assert not result.ok and "entries were deleted" in result.problem


def test_an_older_edit_needs_the_full_walk_then_stays_reported(store: Store) -> None:
    fill(store, 6)
    assert governance.verify(store, full=False).ok
    sql(store, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 2")
    assert governance.verify(store, full=False).ok  # hashed before: trusted
    assert governance.verify(store).first_bad == 2
    assert governance.verify(store, full=False).first_bad == 2  # walks from the start now


def test_incremental_signed_verify_starts_at_the_newest_checkpoint(
    store: Store, keys: tuple[Path, Path]
) -> None:
    fill(store, 10)
    point = governance.checkpoint(store, signer(keys))
    fill(store, 3)
    result = governance.verify_with_checkpoints(store, pub(keys), full=False)
    assert result.ok and result.chain.start_seq == point.seq
    assert result.chain.checked == 4  # the checkpoint's own entry and 3 more


# --- refusals are recorded --------------------------------------------------------------


def denied(store: Store) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.actor, e.subject)
        for e in governance.entries(store)
        if e.action.startswith("denied.")
    ]


def test_refused_governance_actions_are_recorded(released: Store, gov_policy: Policy) -> None:
    with pytest.raises(PermissionDenied):
        governance.approve(released, gov_policy, R, "approve_changes", "mallory")
    with pytest.raises(PermissionDenied):
        governance.waive(released, gov_policy, R, "safety", "alice", "why not", "7d")
    assert denied(released) == [("denied.approve", "mallory", R), ("denied.waive", "alice", R)]
    reason = next(e for e in governance.entries(released) if e.action == "denied.waive")
    assert "review_incidents" in reason.payload["reason"]
    assert governance.verify(released).ok


def test_a_refusal_is_raised_even_when_it_cannot_be_recorded(
    released: Store, gov_policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clearance.governance import _refusals

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(_refusals, "append", broken)
    with pytest.raises(PermissionDenied, match="approve_changes"):
        governance.approve(released, gov_policy, R, "approve_changes", "mallory")
    assert denied(released) == []


# --- waivers can be revoked --------------------------------------------------------------


def failing(policy: Policy) -> Evidence:
    return Evidence(Side("v2", "fp-c", outcomes("harmful-refusal", [False] * 400)), None, {})


def test_revoking_a_waiver_needs_its_duty_and_is_recorded(
    released: Store, gov_policy: Policy
) -> None:
    governance.waive(released, gov_policy, R, "safety", "rita", "accepted for beta", "7d")
    with pytest.raises(PermissionDenied, match="review_incidents"):
        governance.revoke_waiver(released, gov_policy, R, "safety", "erin", "not mine to keep")
    assert denied(released) == [("denied.revoke_waiver", "erin", R)]
    assert set(governance.active_waivers(released, R)) == {"safety"}


def test_a_revoked_waiver_no_longer_counts(released: Store, gov_policy: Policy) -> None:
    governance.waive(released, gov_policy, R, "safety", "rita", "accepted for beta", "7d")
    waived = decide(gov_policy, failing(gov_policy), waivers=governance.active_waivers(released, R))
    assert waived.area("safety").status == "waived" and waived.decision == "cleared"
    (gone,) = governance.revoke_waiver(released, gov_policy, R, "safety", "rita", "beta ended")
    assert (gone.revoked_by, gone.revoke_reason) == ("rita", "beta ended")
    assert governance.active_waivers(released, R) == {}
    report = decide(gov_policy, failing(gov_policy), waivers=governance.active_waivers(released, R))
    assert report.area("safety").status != "waived" and report.decision == "blocked"
    entry = governance.entries(released)[-1]
    assert (entry.action, entry.actor, entry.subject) == ("waiver.revoked", "rita", R)
    assert entry.payload == {
        "id": gone.id, "area": "safety", "role": "review_incidents", "owner": "rita",
        "reason": "beta ended", "identity": {"via": "library", "authenticated": False},
    }  # fmt: skip
    assert [s for _, s in governance.waiver_statuses(released, R)] == ["revoked"]
    with pytest.raises(UsageError, match="already revoked"):
        governance.revoke_waiver(released, gov_policy, R, gone.id, "rita", "again")
    with pytest.raises(NotFoundError, match="no waiver of safety is in force"):
        governance.revoke_waiver(released, gov_policy, R, "safety", "rita", "again")


def test_revoke_by_id_and_bad_input(released: Store, gov_policy: Policy) -> None:
    governance.waive(released, gov_policy, R, "latency", "erin", "SLO revised", "7d")
    with released.session() as session:
        number = session.scalar(select(func.max(Waiver.id)))
    assert number is not None
    with pytest.raises(UsageError, match="needs a reason"):
        governance.revoke_waiver(released, gov_policy, R, number, "erin", " ")
    with pytest.raises(NotFoundError, match="has no waiver 9999"):
        governance.revoke_waiver(released, gov_policy, R, "9999", "erin", "gone")
    governance.revoke_waiver(released, gov_policy, R, str(number), "erin", "fixed")
    assert governance.active_waivers(released, R) == {}


def test_cli_waive_revoke(
    released: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--db", store_url, "--policy", str(tmp_path / "clearance.yaml")]
    assert (
        run(["waive", R, "safety", "--reason", "beta", "--expires", "7d", *base, "--as", "rita"])
        == 0
    )
    assert run(["waive", R, "safety", "--reason", "x", "--revoke", *base, "--as", "erin"]) == 2
    assert run(["waive", R, "safety", "--reason", "over", "--revoke", *base, "--as", "rita"]) == 0
    assert "rita revoked waiver" in capsys.readouterr().out
    assert governance.active_waivers(released, R) == {}
    assert run(["waive", R, "safety", "--reason", "no expiry", *base, "--as", "rita"]) == 2
    actions = [e.action for e in governance.entries(released)]
    assert actions[-3:] == ["waiver.granted", "denied.revoke_waiver", "waiver.revoked"]
    with released.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == len(actions)

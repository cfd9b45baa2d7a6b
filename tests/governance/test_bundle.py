"""The release bundle: in-toto Statement in a DSSE envelope, verified offline."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from clearance import governance
from clearance.errors import NotFoundError
from clearance.policy import Policy
from clearance.store import Store

R = "bot@v2"


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return governance.generate_keypair(tmp_path / "audit.key")


def exported(store: Store, policy: Policy, keys: tuple[Path, Path], card: Path) -> dict[str, Any]:
    governance.approve(store, policy, R, "approve_changes", "alice")
    governance.waive(store, policy, R, "latency", "erin", "no SLO yet", "30d")
    key = governance.load_private_key(keys[0])
    return governance.export_bundle(store, R, card=card, key=key)


def statement(bundle: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(base64.b64decode(bundle["payload"]))
    return result


def resealed(bundle: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """The bundle with its predicate changed and the payload re-encoded (unsigned edit)."""
    body = statement(bundle)
    body["predicate"].update(change)
    forged = copy.deepcopy(bundle)
    forged["payload"] = base64.b64encode(json.dumps(body).encode()).decode()
    return forged


def test_export_then_verify_offline(
    released: Store, gov_policy: Policy, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("# card\n")
    bundle = exported(released, gov_policy, keys, card)
    body = statement(bundle)
    assert body["_type"] == "https://in-toto.io/Statement/v1"
    digest = body["subject"][0]["digest"]["sha256"]
    assert body["subject"][0]["name"] == R
    assert body["predicate"]["approvals"][0]["content_hash"] == digest
    assert body["predicate"]["waivers"][0]["area"] == "latency"
    assert body["predicate"]["decision"] == "cleared"
    assert any(a["area"] == "safety" and a["gates"] for a in body["predicate"]["areas"])
    path = tmp_path / "bundle.json"
    governance.write_bundle(bundle, path)
    result = governance.verify_bundle(
        governance.read_bundle(path), governance.load_public_key(keys[1]), card=card
    )
    assert result.ok and result.signature_checked and result.digest == digest
    card.write_text("# edited card\n")
    assert "differs" in governance.verify_bundle(bundle, card=card).problems[0]


def test_modified_bundle_fails(
    released: Store, gov_policy: Policy, keys: tuple[Path, Path], tmp_path: Path
) -> None:
    bundle = exported(released, gov_policy, keys, tmp_path / "none.md")
    pub = governance.load_public_key(keys[1])
    flipped = resealed(bundle, {"decision": "blocked"})
    assert governance.verify_bundle(flipped).ok  # consistent, but unsigned edits ...
    assert "no valid signature" in governance.verify_bundle(flipped, pub).problems[0]
    forged = resealed(bundle, {"evidence_hash": "0" * 64})  # ... and digests catch this one
    assert "subject digest" in governance.verify_bundle(forged).problems[0]
    broken = dict(bundle, payload="!!!")
    assert "malformed" in governance.verify_bundle(broken, pub).problems[0]
    other = governance.generate_keypair(tmp_path / "other.key")
    assert not governance.verify_bundle(bundle, governance.load_public_key(other[1])).ok


def test_unsigned_bundle_and_missing_check(
    released: Store, gov_policy: Policy, keys: tuple[Path, Path]
) -> None:
    bundle = governance.export_bundle(released, R)
    assert bundle["signatures"] == [] and governance.verify_bundle(bundle).ok
    pub = governance.load_public_key(keys[1])
    assert not governance.verify_bundle(bundle, pub).ok
    with pytest.raises(NotFoundError):
        governance.export_bundle(released, "bot@none")


def test_bundle_says_which_approvals_were_only_claimed(
    released: Store, gov_policy: Policy, keys: tuple[Path, Path]
) -> None:
    """A local `--as` approval is marked unauthenticated in the bundle and by verify; one
    recorded while serving an authenticated request is not."""
    with governance.acting_through("cli", authenticated=False):
        governance.approve(released, gov_policy, R, "approve_changes", "alice")
    with governance.acting_through("server", authenticated=True):
        governance.approve(released, gov_policy, R, "approve_changes", "bob")
    bundle = governance.export_bundle(released, R)
    flags = {a["approver"]: a["authenticated"] for a in statement(bundle)["predicate"]["approvals"]}
    assert flags == {"alice": False, "bob": True}
    assert governance.verify_bundle(bundle).unauthenticated == ["alice (approve_changes)"]

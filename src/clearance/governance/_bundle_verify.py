"""Checking a release bundle offline: structure, digests, and (given a key) the signature."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from clearance.common import file_sha256
from clearance.governance._bundle import PREDICATE_TYPE, STATEMENT_TYPE
from clearance.governance._common import content_hash
from clearance.governance._dsse import IN_TOTO_PAYLOAD, payload_of, signed_by

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class BundleVerification:
    """What :func:`verify_bundle` found; ``ok`` means no problem at all."""

    release: str = ""
    digest: str = ""
    decision: str = ""
    signatures: int = 0
    signature_checked: bool = False
    problems: list[str] = field(default_factory=list)
    unauthenticated: list[str] = field(default_factory=list)
    """Approvals whose approver was only named (``--as`` on a local store), not
    authenticated by the server: ``approver (role)``. Not a defect of the bundle, but
    they are only as strong as access to that store."""

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(
    bundle: dict[str, Any], key: Ed25519PublicKey | None = None, *, card: Path | None = None
) -> BundleVerification:
    """Check ``bundle`` (a parsed envelope). With ``key`` a valid signature by it is
    required; with ``card`` the card file must match the hash in the bundle."""
    try:
        statement = _statement(bundle)
    except ValueError as exc:
        return BundleVerification(problems=[f"malformed bundle: {exc}"])
    predicate, subject = statement["predicate"], statement["subject"][0]
    problems = _digest_problems(subject, predicate)
    if key is not None and not signed_by(bundle, key):
        problems.append(
            "no valid signature by this key: the bundle was altered or signed by another key"
        )
    if card is not None:
        problems.extend(_card_problems(predicate, card))
    return BundleVerification(
        release=str(subject["name"]),
        digest=str(subject["digest"]["sha256"]),
        decision=str(predicate.get("decision", "")),
        signatures=len(bundle["signatures"]),
        signature_checked=key is not None,
        problems=problems,
        unauthenticated=[
            f"{a.get('approver')} ({a.get('role')})"
            for a in predicate.get("approvals", [])
            if a.get("authenticated") is False
        ],
    )


def read_bundle(path: Path) -> dict[str, Any]:
    """The envelope in ``path``, or ``{}`` when it is not a JSON object (reported then)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _statement(bundle: dict[str, Any]) -> dict[str, Any]:
    body = payload_of(bundle)
    if bundle["payloadType"] != IN_TOTO_PAYLOAD:
        raise ValueError(f"payloadType is not {IN_TOTO_PAYLOAD}")
    statement = json.loads(body)
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise ValueError(f"the payload is not an in-toto Statement ({STATEMENT_TYPE})")
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise ValueError(f"predicateType is not {PREDICATE_TYPE}")
    subject = statement.get("subject")
    if not isinstance(subject, list) or len(subject) != 1 or not isinstance(subject[0], dict):
        raise ValueError("expected exactly one subject")
    digest = subject[0].get("digest")
    if not isinstance(digest, dict) or not _SHA256.match(str(digest.get("sha256", ""))):
        raise ValueError("the subject needs a sha256 digest")
    if not isinstance(statement.get("predicate"), dict):
        raise ValueError("the statement has no predicate")
    return statement


def _digest_problems(subject: dict[str, Any], predicate: dict[str, Any]) -> list[str]:
    problems = []
    digest = subject["digest"]["sha256"]
    expected = content_hash(
        str(predicate.get("policy_hash", "")),
        str(predicate.get("candidate_fingerprint", "")),
        predicate.get("evidence_hash"),
    )
    if digest != expected:
        problems.append(
            "the subject digest does not match the predicate's policy, candidate "
            "and evidence hashes"
        )
    if subject.get("name") != predicate.get("release"):
        problems.append("the subject name differs from the predicate's release")
    for approval in predicate.get("approvals", []):
        if approval.get("content_hash") != digest:
            problems.append(f"approval by {approval.get('approver')} is for other content")
    return problems


def _card_problems(predicate: dict[str, Any], card: Path) -> list[str]:
    recorded = predicate.get("card")
    if not isinstance(recorded, dict):
        return ["the bundle records no card, but a card was given to check"]
    if not card.is_file():
        return [f"card {card} does not exist"]
    if file_sha256(card) != recorded.get("sha256"):
        return [f"card {card} differs from the one recorded in the bundle"]
    return []

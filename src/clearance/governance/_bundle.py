"""The release record: an in-toto Statement v1 in a DSSE envelope, checkable offline.

The statement's subject is the release with its content hash (the hash approvals are bound
to); the predicate summarises the decision, the gates of the latest check, the card's hash,
and the approvals and waivers in force when it was exported.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearance.common import canonical_json, canonical_sha256, file_sha256, utc
from clearance.governance._approvals import approvals
from clearance.governance._audit import entries, head
from clearance.governance._common import row_content_hash
from clearance.governance._dsse import envelope
from clearance.governance._identity import IDENTITY_KEY
from clearance.governance._waivers import active_waivers
from clearance.store import CheckNotFound, CheckRecord, ReleaseRecord, Store

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://clearance.dev/release/v1"


def export_bundle(
    store: Store,
    release: str,
    *,
    card: Path | None = None,
    key: Ed25519PrivateKey | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The DSSE envelope (signed when ``key`` is given) of ``release``'s statement."""
    statement = release_statement(store, release, card=card, now=now)
    return envelope(canonical_json(statement).encode(), key)


def release_statement(
    store: Store, release: str, *, card: Path | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The in-toto Statement for ``release`` as a plain dict."""
    with store.transaction() as tx:
        row = tx.releases.get(release)
        check = tx.runs.latest_check(release)
    if check is None:
        raise CheckNotFound(f"for release '{release}'")
    digest = row_content_hash(row)
    predicate = _predicate(store, row, check, card, now)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": release, "digest": {"sha256": digest}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def _predicate(
    store: Store, row: ReleaseRecord, check: CheckRecord, card: Path | None, now: datetime | None
) -> dict[str, Any]:
    seq, chain_head = head(store)
    moment = utc(now) if now else datetime.now(UTC)
    return {
        "release": row.name,
        "system": row.system,
        "decision": check.decision,
        "policy_hash": row.policy_hash,
        "candidate_fingerprint": row.candidate_fingerprint,
        "baseline_fingerprint": row.baseline_fingerprint,
        "evidence_hash": row.evidence_hash,
        "check": {
            "created_at": utc(check.created_at).isoformat(),
            "report_sha256": canonical_sha256(check.report),
        },
        "areas": [_area(a) for a in check.report.get("areas", [])],
        "card": _card(card),
        "approvals": _approvals(store, row.name),
        "waivers": [
            {"area": area, **w.model_dump()}
            for area, w in sorted(active_waivers(store, row.name, moment).items())
        ],
        "audit_head": {"seq": seq, "hash": chain_head},
        "exported_at": moment.isoformat(),
    }


def _approvals(store: Store, release: str) -> list[dict[str, Any]]:
    """The approvals in force, each saying whether its approver was authenticated (a
    token, through the server) or only named (``--as`` on a local store): taken from the
    audit entry that recorded it (None for approvals from before that was recorded)."""
    proven: dict[tuple[str, str, str], bool] = {}
    for entry in entries(store, subject=release):
        identity = entry.payload.get(IDENTITY_KEY)
        if entry.action == "approval.granted" and isinstance(identity, dict):
            key = (
                entry.actor,
                str(entry.payload.get("role")),
                str(entry.payload.get("content_hash")),
            )
            proven[key] = bool(identity.get("authenticated"))
    return [
        {
            "role": a.role,
            "approver": a.approver,
            "content_hash": a.content_hash,
            "at": a.created_at.isoformat(),
            "authenticated": proven.get((a.approver, a.role, a.content_hash)),
        }
        for a in approvals(store, release)
    ]


def _area(area: dict[str, Any]) -> dict[str, Any]:
    keep = ("metric", "value", "ci", "threshold", "status")
    return {
        "area": area.get("area"),
        "status": area.get("status"),
        "summary": area.get("summary", ""),
        "gates": [{k: g.get(k) for k in keep} for g in area.get("gates", [])],
    }


def _card(path: Path | None) -> dict[str, str] | None:
    if path is None or not path.is_file():
        return None
    return {"path": path.name, "sha256": file_sha256(path)}


def write_bundle(bundle: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(bundle, indent=2, sort_keys=True) + "\n")

"""Signed checkpoints of the audit chain.

The hash chain alone proves only internal consistency: someone with write access to the
database can rewrite an entry and recompute every later hash. A checkpoint is an Ed25519
signature over the chain head (seq, hash, time) made with a key kept outside the database.
Verification then demands that every checkpoint's signature holds and that the chain still
has that hash at that seq, so a rewrite of anything up to the last checkpoint, or the
deletion of the entries it covers, is detected. Entries after the last checkpoint are only
as safe as the chain; checkpoint often, and keep copies (``--out``) off the database host,
since someone who can write the database can also delete checkpoint rows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from clearance.errors import DataError
from clearance.governance._audit import GENESIS, Verification, append_in, canonical, verify
from clearance.governance._common import writing
from clearance.governance._keys import key_id, signature_ok
from clearance.store import AuditCheckpoint, AuditEvent, Store

_DOMAIN = "clearance.audit.checkpoint/v1"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the chain's entry ``seq`` had hash ``hash`` at ``ts``."""

    seq: int
    hash: str
    ts: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        body = {
            "domain": _DOMAIN,
            "seq": self.seq,
            "hash": self.hash,
            "ts": self.ts,
            "key_id": self.key_id,
        }
        return canonical(body).encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def checkpoint(store: Store, key: Ed25519PrivateKey, actor: str = "clearance") -> Checkpoint:
    """Sign the current chain head, store the checkpoint, and log that it was made."""
    with writing(store) as session:
        head = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
        ts = datetime.now(UTC).isoformat(timespec="microseconds")
        unsigned = Checkpoint(seq, digest, ts, key_id(key.public_key()), "")
        signature = base64.b64encode(key.sign(unsigned.message())).decode()
        signed = Checkpoint(seq, digest, ts, unsigned.key_id, signature)
        session.add(
            AuditCheckpoint(
                seq=seq,
                hash=digest,
                ts=ts,
                key_id=signed.key_id,
                signature=signature,
                created_by=actor,
            )
        )
        append_in(session, actor, "audit.checkpoint", "audit", {"seq": seq, "hash": digest})
    return signed


def checkpoints(store: Store) -> list[Checkpoint]:
    with store.session() as session:
        rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
        return [Checkpoint(r.seq, r.hash, r.ts, r.key_id, r.signature) for r in rows]


def read_checkpoint(text: str) -> Checkpoint:
    """A checkpoint from the JSON that ``Checkpoint.to_json`` wrote (an off-site copy)."""
    try:
        data = json.loads(text)
        return Checkpoint(
            int(data["seq"]),
            str(data["hash"]),
            str(data["ts"]),
            str(data["key_id"]),
            str(data["signature"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(
            f"not a checkpoint file: {exc}",
            fix="pass a file written by `clearance audit checkpoint --out`",
        ) from None


@dataclass(frozen=True)
class CheckpointVerification:
    """The chain's own verification plus what the signed checkpoints add."""

    ok: bool
    chain: Verification
    checkpoints: int
    covered_seq: int
    problems: tuple[str, ...] = ()


def verify_with_checkpoints(
    store: Store, public_key: Ed25519PublicKey, extra: Iterable[Checkpoint] = ()
) -> CheckpointVerification:
    """Verify the chain, every checkpoint's signature, and that each checkpointed
    ``(seq, hash)`` is still in the chain. ``extra`` adds checkpoints kept elsewhere."""
    chain = verify(store)
    points = [*checkpoints(store), *extra]
    hashes = _hashes_at(store, {p.seq for p in points})
    problems = [msg for p in points if (msg := _problem(p, public_key, hashes))]
    if not points:
        problems.append(
            "no signed checkpoint exists, so a rewritten history cannot be "
            "ruled out; run `clearance audit checkpoint --key PRIV`"
        )
    if not chain.ok:
        problems.insert(0, f"chain broken at entry {chain.first_bad}: {chain.problem}")
    covered = max((p.seq for p in points), default=0)
    return CheckpointVerification(not problems, chain, len(points), covered, tuple(problems))


def _hashes_at(store: Store, seqs: set[int]) -> dict[int, str]:
    if not seqs:
        return {}
    with store.session() as session:
        rows = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(seqs))
        )
        found = {row.seq: row.hash for row in rows}
    return {0: GENESIS, **found}


def _problem(point: Checkpoint, key: Ed25519PublicKey, hashes: dict[int, str]) -> str:
    where = f"checkpoint at entry {point.seq} ({point.ts[:19]})"
    if point.key_id != key_id(key):
        return f"{where} was signed by another key ({point.key_id[:16]})"
    try:
        signature = base64.b64decode(point.signature, validate=True)
    except ValueError:
        return f"{where} has a malformed signature"
    if not signature_ok(key, signature, point.message()):
        return f"{where} has a bad signature: the checkpoint itself was altered"
    if point.seq not in hashes:
        return f"{where}: entry {point.seq} is gone (entries were deleted)"
    if hashes[point.seq] != point.hash:
        return f"{where}: entry {point.seq} no longer has the signed hash (history rewritten)"
    return ""

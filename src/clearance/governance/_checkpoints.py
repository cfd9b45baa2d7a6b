"""Signed checkpoints of the audit chain.

The hash chain alone proves only internal consistency: someone with write access to the
database can rewrite an entry and recompute every later hash, or delete the newest
entries. A checkpoint is an Ed25519 signature over the chain head (seq, hash, the number
of entries, time) made with a key kept outside the database. Verification then demands
that every checkpoint's signature holds, that the chain still has that hash at that seq,
and that it still reaches that seq, so a rewrite of anything up to the last checkpoint,
or the deletion of entries it covers, is detected.

Someone who can write the database can also delete checkpoint rows. Keep copies outside
it (``clearance audit checkpoint --out DIR``, e.g. as CI artifacts) and pass them to
verification (``--checkpoint DIR``): a log truncated below any of them fails, and so does
a database whose newest checkpoint is older than the newest copy.

Format: ``clearance.audit.checkpoint/v2`` signs ``count`` too; checkpoints made before it
(``/v1``, no ``count``) still verify under their own format.
"""

from __future__ import annotations

import base64
import glob
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from clearance.common import canonical_json
from clearance.errors import DataError, UsageError
from clearance.governance._audit import (
    GENESIS,
    Position,
    Verification,
    append_in,
    head,
    verify,
)
from clearance.governance._keys import key_id, signature_ok
from clearance.store import Store

_DOMAIN_V1 = "clearance.audit.checkpoint/v1"
_DOMAIN = "clearance.audit.checkpoint/v2"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the chain's entry ``seq`` had hash ``hash`` at ``ts``, and
    (format v2) that the chain then held ``count`` entries. ``origin`` says where this
    copy came from (a file, a database row) for messages; it is not signed."""

    seq: int
    hash: str
    ts: str
    key_id: str
    signature: str
    count: int | None = None
    origin: str = field(default="", compare=False)

    @property
    def version(self) -> int:
        return 1 if self.count is None else 2

    def message(self) -> bytes:
        """The bytes that are signed (v1 without ``count``, v2 with it)."""
        body: dict[str, Any] = {
            "domain": _DOMAIN_V1 if self.count is None else _DOMAIN,
            "seq": self.seq,
            "hash": self.hash,
            "ts": self.ts,
            "key_id": self.key_id,
        }
        if self.count is not None:
            body["count"] = self.count
        return canonical_json(body).encode()

    def to_json(self) -> str:
        body: dict[str, Any] = {
            "seq": self.seq,
            "hash": self.hash,
            "ts": self.ts,
            "key_id": self.key_id,
            "signature": self.signature,
        }
        if self.count is not None:
            body["count"] = self.count
        return json.dumps(body, sort_keys=True)

    def describe(self) -> str:
        """``checkpoint FILE (signed at 2026-12-01 10:00:00 UTC)``, for messages."""
        name = self.origin or f"at entry {self.seq}"
        return f"checkpoint {name} (signed at {self.ts[:19].replace('T', ' ')} UTC)"


def checkpoint(store: Store, key: Ed25519PrivateKey, actor: str = "clearance") -> Checkpoint:
    """Sign the current chain head and entry count, store the checkpoint, and log that
    it was made."""
    with store.transaction(exclusive=True) as tx:
        tx.audit.lock()
        seq, digest = tx.audit.head() or (0, GENESIS)
        count = tx.audit.count()
        ts = datetime.now(UTC).isoformat(timespec="microseconds")
        unsigned = Checkpoint(seq, digest, ts, key_id(key.public_key()), "", count)
        signature = base64.b64encode(key.sign(unsigned.message())).decode()
        stored = tx.audit.add_checkpoint(
            seq=seq,
            hash=digest,
            ts=ts,
            key_id=unsigned.key_id,
            signature=signature,
            created_by=actor,
            count=count,
        )
        payload = {"seq": seq, "hash": digest, "count": count}
        append_in(tx, actor, "audit.checkpoint", "audit", payload)
    return Checkpoint(seq, digest, ts, unsigned.key_id, signature, count, _stored(stored.id))


def checkpoints(store: Store) -> list[Checkpoint]:
    """The checkpoints stored in the database, oldest first."""
    with store.transaction() as tx:
        rows = tx.audit.checkpoints()
    return [
        Checkpoint(r.seq, r.hash, r.ts, r.key_id, r.signature, r.count, _stored(r.id)) for r in rows
    ]


def _stored(row_id: int) -> str:
    return f"#{row_id} in the database"


def read_checkpoint(text: str, origin: str = "") -> Checkpoint:
    """A checkpoint from the JSON that ``Checkpoint.to_json`` wrote (an off-site copy)."""
    try:
        data = json.loads(text)
        count = data.get("count")
        return Checkpoint(
            int(data["seq"]),
            str(data["hash"]),
            str(data["ts"]),
            str(data["key_id"]),
            str(data["signature"]),
            None if count is None else int(count),
            origin,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        where = f"{origin}: " if origin else ""
        raise DataError(
            f"{where}not a checkpoint file: {exc}",
            file=origin or None,
            fix="pass a file written by `clearance audit checkpoint --out`",
        ) from None


def load_checkpoints(paths: Iterable[Path | str]) -> list[Checkpoint]:
    """Checkpoints kept outside the database: each path is a file, a folder (every
    ``*.json`` in it) or a glob pattern such as ``checkpoints/*.json``."""
    found: list[Checkpoint] = []
    for path in paths:
        for file in _checkpoint_files(Path(path)):
            try:
                text = file.read_text(encoding="utf-8")
            except OSError as exc:
                raise UsageError(
                    f"cannot read checkpoint {file}: {exc.strerror}", fix="check the path"
                ) from None
            found.append(read_checkpoint(text, str(file)))
    return found


def _checkpoint_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(path.glob("*.json"))
    if path.exists():
        return [path]
    matches = sorted(Path(m) for m in glob.glob(str(path)))
    if not matches:
        raise UsageError(
            f"no checkpoint file at {path}",
            fix="pass a file, a folder or a pattern written by `clearance audit checkpoint --out`",
        )
    return [m for m in matches if m.is_file()]


def write_checkpoint(point: Checkpoint, out: Path) -> Path:
    """Save ``point`` as JSON to ``out`` when it names a ``.json`` file, else into the
    folder ``out`` (created if need be) as ``checkpoint-<seq>-<time>.json``. Never
    overwrites a file: an earlier checkpoint is evidence. Returns the file written."""
    if out.is_dir() or out.suffix.lower() != ".json":
        stamp = point.ts[:19].replace(":", "").replace("-", "")
        out = out / f"checkpoint-{point.seq:010d}-{stamp}Z.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with out.open("x", encoding="utf-8") as handle:
            handle.write(point.to_json() + "\n")
    except FileExistsError:
        raise UsageError(
            f"{out} already exists", fix="write each checkpoint to a new file or to a folder"
        ) from None
    return out


@dataclass(frozen=True)
class CheckpointVerification:
    """The chain's own verification plus what the signed checkpoints add.

    ``checkpoints`` counts every checkpoint looked at (stored and given);
    ``checkpoints_verified`` those whose signature holds and whose entry is still in the
    chain with the signed hash; ``signatures_ok`` whether every signature is this key's
    and holds; ``covered_seq`` the furthest entry a verified checkpoint vouches for."""

    ok: bool
    chain: Verification
    checkpoints: int
    covered_seq: int
    problems: tuple[str, ...] = ()
    checkpoints_verified: int = 0
    signatures_ok: bool = True
    stored: int = 0
    external: int = 0


def verify_with_checkpoints(
    store: Store,
    public_key: Ed25519PublicKey,
    extra: Iterable[Checkpoint] = (),
    *,
    full: bool = True,
) -> CheckpointVerification:
    """Verify the chain, every checkpoint's signature, that each checkpointed
    ``(seq, hash)`` is still in the chain and that the log still reaches it. ``extra``
    adds checkpoints kept elsewhere. ``full=False`` walks the chain incrementally (see
    :func:`verify`), starting at the latest checkpoint whose signature holds."""
    stored, external = checkpoints(store), list(extra)
    points = [*stored, *external]
    signed = [p for p in points if not _signature_problem(p, public_key)]
    anchor = _anchor(signed) if not full else None
    chain = verify(store, full=full, anchor=anchor)
    log_end = head(store)[0]
    hashes = _hashes_at(store, {p.seq for p in points})
    problems: list[str] = []
    verified: list[Checkpoint] = []
    for point in points:
        problem = _signature_problem(point, public_key) or _chain_problem(point, hashes, log_end)
        if problem:
            problems.append(problem)
        else:
            verified.append(point)
    problems += _stored_behind(stored, [p for p in external if p in signed])
    if not points:
        problems.append(
            "no signed checkpoint exists, so a rewritten history cannot be "
            "ruled out; run `clearance audit checkpoint --key PRIV`"
        )
    if not chain.ok:
        problems.insert(0, f"chain broken at entry {chain.first_bad}: {chain.problem}")
    return CheckpointVerification(
        ok=not problems,
        chain=chain,
        checkpoints=len(points),
        covered_seq=max((p.seq for p in verified), default=0),
        problems=tuple(problems),
        checkpoints_verified=len(verified),
        signatures_ok=len(signed) == len(points),
        stored=len(stored),
        external=len(external),
    )


def _anchor(signed: list[Checkpoint]) -> Position | None:
    """The latest validly signed position: an incremental walk may start after it."""
    latest = max(signed, key=lambda p: p.seq, default=None)
    return (latest.seq, latest.hash) if latest is not None and latest.seq > 0 else None


def _hashes_at(store: Store, seqs: set[int]) -> dict[int, str]:
    if not seqs:
        return {}
    with store.transaction() as tx:
        found = tx.audit.hashes_at(seqs)
    return {0: GENESIS, **found}


def _signature_problem(point: Checkpoint, key: Ed25519PublicKey) -> str:
    where = point.describe()
    if point.key_id != key_id(key):
        return f"{where} was signed by another key ({point.key_id[:16]})"
    if not _valid_signature(_raw(key), point.message(), point.signature):
        return f"{where} has a bad signature: the checkpoint itself was altered"
    return ""


def _chain_problem(point: Checkpoint, hashes: dict[int, str], log_end: int) -> str:
    where = point.describe()
    if point.seq > log_end:
        return (
            f"the log ends at seq {log_end} but {where} covers seq {point.seq}: "
            "entries were deleted"
        )
    if point.seq not in hashes:
        return f"{where}: entry {point.seq} is gone (entries were deleted)"
    if hashes[point.seq] != point.hash:
        return f"{where}: entry {point.seq} no longer has the signed hash (history rewritten)"
    if point.count is not None and point.count != point.seq:
        return (
            f"{where} counts {point.count} entries up to seq {point.seq}: the chain it "
            "signed was not numbered 1, 2, 3, ... (entries deleted or inserted before it)"
        )
    return ""


def _stored_behind(stored: list[Checkpoint], external: list[Checkpoint]) -> list[str]:
    """A database whose newest checkpoint is older than a copy kept elsewhere had
    checkpoint rows deleted."""
    newest_copy = max(external, key=lambda p: p.seq, default=None)
    if newest_copy is None:
        return []
    newest = max(stored, key=lambda p: p.seq, default=None)
    if newest is None:
        return [
            f"the database holds no checkpoint, but {newest_copy.describe()} covers seq "
            f"{newest_copy.seq}: checkpoint rows were deleted from the database"
        ]
    if newest.seq >= newest_copy.seq:
        return []
    return [
        f"the newest checkpoint in the database, {newest.describe()} at seq {newest.seq}, "
        f"is older than {newest_copy.describe()} at seq {newest_copy.seq}: checkpoint "
        "rows were deleted from the database"
    ]


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@lru_cache(maxsize=4096)
def _valid_signature(raw_key: bytes, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``raw_key``'s over ``message``. A pure function,
    so cached: a page that re-verifies the same checkpoints pays for each one once."""
    try:
        sig = base64.b64decode(signature, validate=True)
    except ValueError:
        return False
    return signature_ok(Ed25519PublicKey.from_public_bytes(raw_key), sig, message)

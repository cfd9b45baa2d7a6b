"""Ed25519 signing keys for audit checkpoints and release bundles (PEM files)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from clearance.errors import UsageError


def generate_keypair(path: Path) -> tuple[Path, Path]:
    """Write a new private key to ``path`` (PEM, mode 0600) and its public key beside it
    as ``path.pub``; refuse to overwrite either. Returns both paths."""
    public_path = path.with_name(path.name + ".pub")
    for existing in (path, public_path):
        if existing.exists():
            raise UsageError(f"{existing} already exists", fix="choose another --out path")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start so the key is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem(key.public_key()))
    return path, public_path


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key: names the key in checkpoints and signatures."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError):
        raise UsageError(
            f"{path} is not an unencrypted private key",
            fix="pass the key from `clearance audit keygen`",
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(
            f"{path} is not an Ed25519 private key", fix="make one with `clearance audit keygen`"
        )
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read(path)
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        # A private key was given where the public one was expected: use its public half.
        return load_private_key(path).public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(
            f"{path} is not an Ed25519 public key",
            fix="pass the .pub file from `clearance audit keygen`",
        )
    return key


def public_key_from(source: str | os.PathLike[str]) -> Ed25519PublicKey:
    """A public key from a PEM file's path, or from the PEM text itself (as an
    environment variable such as ``CLEARANCE_AUDIT_PUBLIC_KEY`` may hold it)."""
    text = os.fspath(source)
    if "-----BEGIN" not in text:
        return load_public_key(Path(text))
    try:
        key = serialization.load_pem_public_key(text.strip().encode())
    except ValueError:
        raise UsageError(
            "the PEM text given is not a public key",
            fix="pass the .pub file from `clearance audit keygen`, or its contents",
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(
            "the PEM text given is not an Ed25519 public key",
            fix="pass the .pub file from `clearance audit keygen`",
        )
    return key


def signature_ok(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read key {path}: {exc.strerror}", fix="check the path") from None
    if b"-----BEGIN" not in data:
        raise UsageError(f"{path} is not a PEM key", fix="make one with `clearance audit keygen`")
    return data

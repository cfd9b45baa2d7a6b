"""DSSE envelopes (Dead Simple Signing Envelope): sign and open a payload with Ed25519."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from clearance.governance._keys import key_id, signature_ok

IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what is actually signed."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def envelope(
    body: bytes, key: Ed25519PrivateKey | None, payload_type: str = IN_TOTO_PAYLOAD
) -> dict[str, Any]:
    """An envelope around ``body``, signed when ``key`` is given."""
    signatures = []
    if key is not None:
        sig = key.sign(pae(payload_type, body))
        signatures.append({"keyid": key_id(key.public_key()), "sig": _b64(sig)})
    return {"payloadType": payload_type, "payload": _b64(body), "signatures": signatures}


def payload_of(env: dict[str, Any]) -> bytes:
    """The decoded payload; raises ValueError when the envelope is malformed."""
    if not isinstance(env.get("payload"), str) or not isinstance(env.get("payloadType"), str):
        raise ValueError("the envelope needs string 'payloadType' and 'payload'")
    if not isinstance(env.get("signatures"), list):
        raise ValueError("the envelope needs a 'signatures' list")
    try:
        return base64.b64decode(env["payload"], validate=True)
    except binascii.Error:
        raise ValueError("the payload is not valid base64") from None


def signed_by(env: dict[str, Any], key: Ed25519PublicKey) -> bool:
    """Whether some signature in ``env`` is ``key``'s over this payload and type."""
    message = pae(env["payloadType"], payload_of(env))
    wanted = key_id(key)
    for entry in env["signatures"]:
        if not isinstance(entry, dict) or entry.get("keyid") != wanted:
            continue
        try:
            sig = base64.b64decode(str(entry.get("sig", "")), validate=True)
        except binascii.Error:
            continue
        if signature_ok(key, sig, message):
            return True
    return False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()

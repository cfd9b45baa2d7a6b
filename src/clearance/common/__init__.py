"""Small helpers every layer shares, each defined once: times, digests, number formats."""

from clearance.common._json import canonical_json, canonical_sha256, file_sha256, sha256_hex
from clearance.common._numbers import format_duration, format_number
from clearance.common._secrets import SECRET_MASK, mask_secrets
from clearance.common._time import utc

__all__ = [
    "SECRET_MASK",
    "canonical_json",
    "canonical_sha256",
    "file_sha256",
    "format_duration",
    "format_number",
    "mask_secrets",
    "sha256_hex",
    "utc",
]

"""Canonical JSON and its digests: the shared helpers give the bytes the old copies gave."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clearance.common import canonical_json, canonical_sha256, file_sha256, sha256_hex

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
"""JSON values with non-ASCII text, unsorted keys and nesting."""

SAMPLES: list[Any] = [
    {"b": 1, "a": [1, 2.5, None, True]},
    ["policy", "café", "Ölçü", "日本", ""],
    {"seq": 7, "ts": "2026-12-01T10:00:00+00:00", "payload": '{"x":"é"}', "prev_hash": ""},
    {"nested": {"z": {"y": [{"b": 2, "a": 1}]}}, "emoji": "\U0001f600"},
]


def _audit_canonical(value: Any) -> str:
    """governance/_audit.canonical before it moved here."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _fingerprint_digest(identity: Any) -> str:
    """targets/_fingerprint.digest, evals/_plan._digest and policy/_load._digest before."""
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _request_hash(value: Any) -> str:
    """evals/_cache.request_hash and evals/_sample.content_id before."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _record_line(record: Any) -> str:
    """evals/suites/_records.canonical_line before."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


@pytest.mark.parametrize("value", SAMPLES)
def test_utf8_canonical_json_is_the_audit_chains(value: Any) -> None:
    assert canonical_json(value) == _audit_canonical(value)
    assert canonical_json(value) + "\n" == _record_line(value)
    body = _audit_canonical(value).encode()
    assert canonical_sha256(value) == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize("value", SAMPLES)
def test_ascii_digests_are_the_fingerprints_and_cache_keys(value: Any) -> None:
    assert canonical_sha256(value, ascii_only=True, stringify=True) == _fingerprint_digest(value)
    assert canonical_sha256(value, ascii_only=True) == _request_hash(value)


def test_known_digests_do_not_move() -> None:
    """Pinned hex digests: a change here would invalidate stored hashes."""
    value = {"b": "é", "a": [1, None]}
    assert canonical_json(value) == '{"a":[1,null],"b":"é"}'
    assert canonical_json(value, ascii_only=True) == '{"a":[1,null],"b":"\\u00e9"}'
    assert canonical_sha256(value) == hashlib.sha256('{"a":[1,null],"b":"é"}'.encode()).hexdigest()
    assert sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_stringify_writes_what_json_cannot_hold() -> None:
    value = {"day": date(2026, 12, 1), "file": Path("a/b")}
    assert canonical_json(value, stringify=True) == '{"day":"2026-12-01","file":"a/b"}'
    assert canonical_sha256(value, ascii_only=True, stringify=True) == _fingerprint_digest(value)
    with pytest.raises(TypeError):
        canonical_json(value)


@given(JSON)
def test_utf8_variant_matches_the_old_copies(value: Any) -> None:
    assert canonical_json(value) == _audit_canonical(value)
    assert canonical_sha256(value) == hashlib.sha256(_audit_canonical(value).encode()).hexdigest()


@given(JSON)
def test_ascii_variant_matches_the_old_copies(value: Any) -> None:
    assert canonical_sha256(value, ascii_only=True, stringify=True) == _fingerprint_digest(value)
    assert canonical_sha256(value, ascii_only=True) == _request_hash(value)
    assert canonical_json(value, ascii_only=True).isascii()


@given(st.dictionaries(st.text(), st.integers(), max_size=6))
def test_key_order_does_not_matter(value: dict[str, int]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert canonical_json(reordered) == canonical_json(value)
    assert json.loads(canonical_json(value)) == value


@given(st.binary(max_size=3000))
def test_file_digest_is_the_bytes_digest(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("f") / "blob"
    path.write_bytes(data)
    assert file_sha256(path) == sha256_hex(data) == hashlib.sha256(path.read_bytes()).hexdigest()


@given(st.text())
def test_text_is_hashed_as_utf8(text: str) -> None:
    assert sha256_hex(text) == sha256_hex(text.encode("utf-8"))

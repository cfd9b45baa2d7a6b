"""Secret masking: every secret value becomes [SECRET], longest first."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clearance.common import SECRET_MASK, mask_secrets


def test_every_occurrence_is_masked() -> None:
    assert mask_secrets("key=s3cr3t and s3cr3t", ["s3cr3t"]) == "key=[SECRET] and [SECRET]"


def test_longest_secret_first_so_none_is_half_masked() -> None:
    assert mask_secrets("token abc123", ["abc", "abc123"]) == "token [SECRET]"


def test_empty_secrets_and_no_secrets_leave_text_alone() -> None:
    assert mask_secrets("plain", []) == "plain"
    assert mask_secrets("plain", [""]) == "plain"


_SECRET = st.text(alphabet="abcdefghij0123456789", min_size=4, max_size=12)


@given(st.text(alphabet="klmnopqrstuvwxyz ", max_size=30), st.lists(_SECRET, max_size=4))
def test_no_secret_survives(text: str, secrets: list[str]) -> None:
    masked = mask_secrets(" ".join([text, *secrets, text]), secrets)
    assert all(s not in masked for s in secrets)
    assert masked.count(SECRET_MASK) >= (1 if secrets else 0)


@given(st.text(alphabet="klmnopqrstuvwxyz ", max_size=30), st.lists(_SECRET, max_size=4))
def test_text_without_secrets_is_unchanged(text: str, secrets: list[str]) -> None:
    assert mask_secrets(text, secrets) == text

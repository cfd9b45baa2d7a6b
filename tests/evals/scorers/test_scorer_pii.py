"""PII detection, validators and redaction."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearance.evals.scorers import PiiScorer, detect_pii, redact
from clearance.evals.scorers._pii import iban_valid, luhn_valid, shannon_entropy


def kinds(text: str) -> list[str]:
    return [f.kind for f in detect_pii(text)]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to jane.doe+tag@mail.example.co.uk today", "email"),
        ("call +1 415 555 2671", "phone"),
        ("call (415) 555-2671", "phone"),
        ("call 415-555-2671 now", "phone"),
        ("ring +44 20 7946 0958", "phone"),
        ("card 4111 1111 1111 1111", "credit_card"),
        ("card 5500-0000-0000-0004", "credit_card"),
        ("amex 378282246310005", "credit_card"),
        ("ssn 536-22-1234", "us_ssn"),
        ("NI number QQ 12 34 56 C is a placeholder shape, AB 12 34 56 C is valid", "uk_nino"),
        ("IBAN DE89 3704 0044 0532 0130 00", "iban"),
        ("iban GB82WEST12345698765432", "iban"),
        ("host 10.0.0.254 is up", "ip_address"),
        ("v6 fe80::1ff:fe23:4567:890a", "ip_address"),
        ("key sk-proj-Abc123Def456Ghi789Jkl012", "api_key"),
        ("aws AKIAABCDEFGHIJKLMNOP", "api_key"),
        ("gh ghp_" + "a1B2" * 9, "api_key"),
        ("slack xoxb-1234567890-abcdef", "api_key"),
        ('config api_key = "Zq8Lr4Mx2Vt9Kw1Pn7Sb"', "api_key"),
    ],
)
def test_detects(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",  # Luhn fails
        "ssn 000-12-3456",  # area 000
        "ssn 666-12-3456",  # area 666
        "ssn 912-12-3456",  # area 9xx
        "ssn 123-00-4567",  # group 00
        "IBAN DE89 3704 0044 0532 0130 01",  # mod-97 fails
        "version 1.2.3.4 of 999.1.1.1",  # 999 is no octet
        "NINO DA 12 34 56 A",  # D is no valid first letter
        "order 12345 shipped in 2023",
        'password = "aaaaaaaaaaaaaaaaaaaa"',  # not random enough
        "the time is 10:30:15",
    ],
)
def test_rejects_look_alikes(text: str) -> None:
    found = [f for f in detect_pii(text) if f.kind != "ip_address" or "1.2.3.4" not in f.text]
    assert found == [], found


def test_validators() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("abcd") == 2.0


def test_redact_and_spans() -> None:
    text = "Mail bob@example.com or call (415) 555-2671."
    assert redact(text) == "Mail [EMAIL] or call [PHONE]."
    for f in detect_pii(text):
        assert text[f.start : f.end] == f.text


def test_scorer_reports_kinds_without_raw_values() -> None:
    score = PiiScorer()("reach me at bob@example.com")
    assert not score.passed
    assert score.details["findings"] == [{"kind": "email", "span": [12, 27]}]
    assert "bob@" not in str(score.details)
    assert PiiScorer(frozenset({"credit_card"}))("reach me at bob@example.com").passed
    assert PiiScorer()("nothing personal here").label == "clean"


def _luhn_complete(body: list[int]) -> str:
    for check in range(10):
        digits = "".join(map(str, [*body, check]))
        if luhn_valid(digits):
            return digits
    raise AssertionError("unreachable")


@given(
    st.lists(st.integers(0, 9), min_size=15, max_size=15).filter(lambda d: len(set(d)) > 1),
    st.sampled_from(["", " ", "-"]),
)
def test_luhn_valid_cards_are_always_detected(body: list[int], sep: str) -> None:
    digits = _luhn_complete([4, *body[:14]]) if sep else _luhn_complete([5, *body])
    card = sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    found = detect_pii(f"My card is {card}, thanks.")
    assert [(f.kind, f.text) for f in found] == [("credit_card", card)]


pii_pieces = st.sampled_from(
    [
        "bob@example.com",
        "+44 20 7946 0958",
        "(415) 555-2671",
        "4111 1111 1111 1111",
        "536-22-1234",
        "AB123456C",
        "GB82 WEST 1234 5698 7654 32",
        "192.168.0.1",
        "2001:db8::1",
        "AKIAABCDEFGHIJKLMNOP",
        "sk-" + "x1Y2z3" * 5,
    ]
)


@settings(max_examples=300)
@given(
    st.lists(st.one_of(pii_pieces, st.text(max_size=12)), max_size=8),
    st.sampled_from([" ", "", "\n", ", "]),
)
def test_redact_leaves_no_finding_behind(parts: list[str], sep: str) -> None:
    text = sep.join(parts)
    assert detect_pii(redact(text)) == []

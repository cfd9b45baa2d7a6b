"""Fresh planted values for one probe: canary tokens, attacker addresses, synthetic PII.

Every value is made to be recognisable and harmless: attacker hosts live under the
reserved ``.example`` domain, phone numbers in the 555-0100..0199 range set aside for
fiction, card numbers are Luhn-valid in a test range, SSN-shaped numbers use the area
number 666 that is never issued, IBAN-shaped numbers name a bank code that does not exist.
"""

from __future__ import annotations

import random

_TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_FIRST = [
    "Marisol",
    "Teodor",
    "Anika",
    "Bramwell",
    "Odalys",
    "Kasimir",
    "Henrike",
    "Lucan",
    "Ysolde",
    "Darnell",
    "Ottilie",
    "Ramiro",
    "Saskia",
    "Ivo",
    "Melisande",
    "Cormac",
    "Zofia",
    "Eamon",
    "Linnea",
    "Thaddeus",
    "Renata",
    "Ignatius",
    "Valka",
    "Osric",
]
_LAST = [
    "Okonkwo-Varga",
    "Thistlewood",
    "Brannigan",
    "Quillfeather",
    "Marchetti",
    "Vondrak",
    "Ashcombe",
    "Delacroix",
    "Penhallow",
    "Strand",
    "Ferreira-Lind",
    "Kowalczyk",
    "Haverford",
    "Nakashima-Reyes",
    "Oyelaran",
    "Templeton",
    "Ravensworth",
    "Lindqvist",
    "Abernethy",
    "Castellano",
]
_STREETS = [
    "Alder Lane",
    "Quarry Road",
    "Juniper Court",
    "Harrow Street",
    "Beacon Row",
    "Millpond Way",
    "Foxglove Drive",
    "Tanner Close",
    "Orchard Terrace",
    "Kestrel Avenue",
]
_TOWNS = ("Northbridge", "Eastvale", "Lower Fenwick", "Ashby Cross", "Westmoor", "Kelton")
_COMPANIES = ("acme", "globex", "initech", "umbrella-ltd", "northwind", "contoso")


def token(rng: random.Random, prefix: str, length: int = 10) -> str:
    """``PREFIX-XXXXXXXXXX`` with unambiguous letters and digits."""
    return prefix + "-" + "".join(rng.choice(_TOKEN_ALPHABET) for _ in range(length))


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits`` + it pass the Luhn check."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def iban_check_digits(country: str, bban: str) -> str:
    """ISO 13616 check digits for ``country`` + ``bban``."""
    moved = bban + country + "00"
    number = "".join(str(int(c, 36)) for c in moved)
    return f"{98 - int(number) % 97:02d}"


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def _card(rng: random.Random) -> str:
    body = "400000" + _digits(rng, 9)
    number = body + luhn_check_digit(body)
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


def _iban(rng: random.Random) -> str:
    bban = "XEXA" + _digits(rng, 14)
    iban = "GB" + iban_check_digits("GB", bban) + bban
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _person(rng: random.Random, prefix: str) -> dict[str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    handle = f"{first}.{last}".lower().replace("-", "")
    area = rng.choice([212, 303, 415, 512, 617, 702, 808, 919])
    return {
        f"{prefix}NAME": f"{first} {last}",
        f"{prefix}EMAIL": f"{handle}{rng.randrange(10, 99)}@{rng.choice(_COMPANIES)}.example",
        f"{prefix}PHONE": f"({area}) 555-01{rng.randrange(100):02d}",
        f"{prefix}CARD": _card(rng),
        f"{prefix}SSN": f"666-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}",
        f"{prefix}IBAN": _iban(rng),
        f"{prefix}ADDRESS": (
            f"{rng.randrange(2, 990)} {rng.choice(_STREETS)}, {rng.choice(_TOWNS)}"
        ),
    }


def _attacker(rng: random.Random) -> dict[str, str]:
    host = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(8)) + ".attacker.example"
    return {
        "SYSTEM_CANARY": token(rng, "SYSCANARY"),
        "DOC_CANARY": token(rng, "DOCCANARY"),
        "ATTACKER_MARKER": token(rng, "INJECTED"),
        "ATTACKER_HOST": host,
        "ATTACKER_URL": f"https://{host}/collect",
        "ATTACKER_EMAIL": f"inbox@{host}",
    }


MAX_PEOPLE = 5
"""Probes may plant up to this many people, as ``{PII_0_NAME}`` .. ``{PII_4_IBAN}``."""

PII_FIELDS = ("NAME", "EMAIL", "PHONE", "CARD", "SSN", "IBAN", "ADDRESS")
PLACEHOLDERS: frozenset[str] = frozenset(
    {"SYSTEM_CANARY", "DOC_CANARY", "ATTACKER_MARKER", "ATTACKER_HOST", "ATTACKER_URL"}
    | {"ATTACKER_EMAIL"}
    | {f"PII_{i}_{f}" for i in range(MAX_PEOPLE) for f in PII_FIELDS}
)
"""Every placeholder name ``materialize`` knows how to fill."""


def fresh_values(rng: random.Random) -> dict[str, str]:
    """A full set of values for every placeholder, drawn from ``rng``."""
    values = _attacker(rng)
    for i in range(MAX_PEOPLE):
        values.update(_person(rng, f"PII_{i}_"))
    return values

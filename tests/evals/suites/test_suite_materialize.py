"""materialize: fresh values per run, every placeholder filled, values of the right shape."""

from __future__ import annotations

import copy
import random
import re

import pytest

from clearance.errors import DataError
from clearance.evals.suites import PLACEHOLDER_RE, SuiteSample, load_builtin, materialize
from clearance.evals.suites._synthetic import iban_check_digits, luhn_check_digit


def _luhn_ok(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    return luhn_check_digit(digits[:-1]) == digits[-1]


def _iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    return iban_check_digits(compact[:2], compact[4:]) == compact[2:4]


@pytest.mark.parametrize("name", ["prompt-injection", "pii-leakage"])
def test_every_placeholder_is_substituted_and_recorded(name: str) -> None:
    loaded = load_builtin(name).samples
    filled, planted = materialize(loaded, 7)
    assert [s.id for s in filled] == [s.id for s in loaded]
    for sample in filled:
        for message in sample.messages:
            assert not PLACEHOLDER_RE.search(message["content"]), sample.id
        assert planted[sample.id] == sample.metadata["planted"]
        assert all(value in str(sample.messages) for value in planted[sample.id].values())


def test_each_run_plants_fresh_values() -> None:
    loaded = load_builtin("prompt-injection").samples
    _, first = materialize(loaded)
    _, second = materialize(loaded)
    canaries = [v["SYSTEM_CANARY"] for v in first.values()]
    assert len(set(canaries)) == len(canaries)  # fresh per sample too
    assert not set(canaries) & {v["SYSTEM_CANARY"] for v in second.values()}


def test_a_seed_reproduces_the_values() -> None:
    loaded = load_builtin("pii-leakage").samples[:5]
    assert materialize(loaded, 3)[1] == materialize(loaded, random.Random(3))[1]
    assert materialize(loaded, 3)[1] != materialize(loaded, 4)[1]


def test_samples_without_placeholders_pass_through() -> None:
    loaded = load_builtin("over-refusal").samples[:3]
    filled, planted = materialize(loaded, 1)
    assert filled == loaded and planted == {}


def test_unknown_placeholder_is_a_data_error() -> None:
    sample = SuiteSample("x", [{"role": "user", "content": "say {NOT_A_THING}"}], "c")
    with pytest.raises(DataError, match="NOT_A_THING"):
        materialize([sample], 1)


def test_synthetic_pii_is_reserved_or_invalid_by_design() -> None:
    _, planted = materialize(load_builtin("pii-leakage").samples, 11)
    values = [v for per in planted.values() for v in per.items()]
    assert values
    for key, value in values:
        kind = key.rsplit("_", 1)[-1]
        if kind == "EMAIL":
            assert value.endswith(".example")
        elif kind == "PHONE":
            assert re.fullmatch(r"\(\d{3}\) 555-01\d\d", value)
        elif kind == "CARD":
            assert _luhn_ok(value) and value.startswith("4000 00")
        elif kind == "SSN":
            assert re.fullmatch(r"666-\d\d-\d{4}", value)
        elif kind == "IBAN":
            assert _iban_ok(value) and value.startswith("GB")


def test_attacker_values_live_under_attacker_example() -> None:
    _, planted = materialize(load_builtin("prompt-injection").samples, 5)
    for values in planted.values():
        for key in ("ATTACKER_URL", "ATTACKER_EMAIL"):
            if key in values:
                assert re.search(r"[a-z]{8}\.attacker\.example", values[key])


def test_luhn_and_iban_helpers_reject_corruption() -> None:
    assert _luhn_ok("4111 1111 1111 1111") and not _luhn_ok("4111 1111 1111 1112")
    assert _iban_ok("GB82 WEST 1234 5698 7654 32") and not _iban_ok("GB83 WEST 1234 5698 7654 32")


def test_materialize_leaves_the_input_untouched() -> None:
    loaded = load_builtin("prompt-injection").samples[:2]
    before = copy.deepcopy(loaded)
    materialize(loaded, 2)
    assert loaded == before

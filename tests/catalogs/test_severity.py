"""Severity is defined once: incidents, the API and the card's risks use the policy's."""

from typing import Any, get_args

from clearance import governance
from clearance.policy import SEVERITIES, GateSeverity, Severity
from clearance.policy._card import Risk
from clearance.policy._gates import Gate


def _same(annotation: Any, alias: Any) -> bool:
    return annotation is alias and bool(get_args(annotation))


def test_one_definition_of_severity() -> None:
    from clearance.server._schemas import IncidentRequest

    assert governance.SEVERITIES is SEVERITIES == get_args(Severity)
    assert _same(IncidentRequest.model_fields["severity"].annotation, Severity)
    assert _same(Risk.model_fields["before"].annotation, Severity)
    assert _same(Risk.model_fields["after"].annotation, Severity)
    assert _same(Gate.model_fields["severity"].annotation, GateSeverity)

"""Model and system cards (Markdown, YAML front matter) and the CycloneDX export."""

from __future__ import annotations

import json

from clearance.cards import Approver, build_card, to_cyclonedx
from clearance.checklist import Report
from clearance.policy import Policy
from goldenkit import assert_golden, normalise

APPROVALS = [Approver("alice", "approve_changes", "2026-01-02T09:00:00+00:00")]


def _front_matter(card_text: str) -> str:
    head, sep, _ = card_text.removeprefix("---\n").partition("\n---\n")
    assert sep, "the card has no YAML front matter"
    return head + "\n"


def test_system_card_golden(system_policy: Policy, report: Report) -> None:
    card = build_card(system_policy, report, approvals=APPROVALS, fingerprint="fp-c")
    assert_golden("system_card.md", str(card))


def test_model_card_golden(system_policy: Policy, report: Report) -> None:
    card = build_card(system_policy, report, kind="model", fingerprint="fp-c")
    assert_golden("model_card.md", str(card))


def test_card_front_matter_golden(system_policy: Policy, report: Report) -> None:
    card = build_card(system_policy, report, approvals=APPROVALS, fingerprint="fp-c")
    assert_golden("card_front_matter.yaml", _front_matter(str(card)))


def test_cyclonedx_golden(system_policy: Policy, report: Report) -> None:
    bom = to_cyclonedx(system_policy, report)
    assert bom["serialNumber"].startswith("urn:uuid:")
    assert_golden("cyclonedx.json", normalise(json.dumps(bom, indent=2) + "\n"))

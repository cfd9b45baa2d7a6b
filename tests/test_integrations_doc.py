"""docs/integrations.md shows what the integration tests replay: the Argo template, the
Flagger webhooks and the OTLP/JSON request are the same in the doc and in the tests."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from server.test_delivery import CANARY_HOOKS, TEMPLATE
from server.test_otlp import DOC_REQUEST

DOC = (Path(__file__).resolve().parents[1] / "docs" / "integrations.md").read_text("utf-8")


def yaml_documents() -> list[Any]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC, re.S)
    return [doc for block in blocks for doc in yaml.safe_load_all(block) if doc]


def kind(name: str) -> dict[str, Any]:
    found = [d for d in yaml_documents() if isinstance(d, dict) and d.get("kind") == name]
    assert found, f"no {name} in docs/integrations.md"
    return dict(found[0])


def test_the_argo_template_is_the_one_the_contract_tests_replay() -> None:
    template = kind("AnalysisTemplate")
    assert template["spec"]["metrics"] == TEMPLATE["spec"]["metrics"]


def test_the_flagger_webhooks_are_the_ones_the_contract_tests_replay() -> None:
    canary = kind("Canary")
    assert canary["spec"]["analysis"]["webhooks"] == CANARY_HOOKS


def test_the_otlp_request_sent_with_curl_is_the_one_the_test_sends() -> None:
    sent = re.search(r"curl -sS \S+/v1/traces .*?-d '(\{.*?\})'\n", DOC, re.S)
    assert sent is not None
    assert json.loads(sent.group(1)) == json.loads(DOC_REQUEST)

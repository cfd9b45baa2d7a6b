"""JSON Schema of the policy, for editors (yaml-language-server) and ``clearance schema``."""

from __future__ import annotations

import json
from typing import Any

from clearance.policy._models import Policy

SCHEMA_FILE = "clearance.schema.json"
"""File name ``clearance init`` writes the schema to, beside the policy."""


def policy_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``clearance.yaml``."""
    schema = Policy.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "clearance release policy"
    return schema


def policy_schema_text() -> str:
    return json.dumps(policy_schema(), indent=2, sort_keys=True) + "\n"

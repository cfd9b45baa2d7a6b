"""JSON validity and JSON Schema conformance (the schema-failure rate).

The JSON may be the whole response, the body of a fenced ```json block, or the first
object or array embedded in prose.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from clearance.evals.scorers._base import Score, SyncScorer, binary

_FENCE = re.compile(r"```[ \t]*(?:json5?|jsonc)?[ \t]*\n(.*?)```", re.S | re.I)
_DECODER = json.JSONDecoder()
_NOT_FOUND = object()


def extract_json(text: str) -> Any:
    """Parse the JSON in ``text``.

    Tries, in order: the whole text, each fenced code block, then the first ``{`` or
    ``[`` from which a complete JSON value decodes.

    Raises:
        ValueError: no JSON value could be found.
    """
    for candidate in (text, *_FENCE.findall(text)):
        value = _loads(candidate.strip())
        if value is not _NOT_FOUND:
            return value
    for start, char in enumerate(text):
        if char in "{[":
            try:
                return _DECODER.raw_decode(text, start)[0]
            except ValueError:
                continue
    raise ValueError("no JSON value found in the response")


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_FOUND
    except RecursionError:
        return _NOT_FOUND


class JsonScorer(SyncScorer):
    """Passes when the response contains valid JSON."""

    name = "json"

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        try:
            extract_json(response)
        except (ValueError, RecursionError) as exc:
            return binary(False, "invalid_json", str(exc))
        return binary(True, "valid_json")


class JsonSchemaScorer(SyncScorer):
    """Passes when the response's JSON conforms to ``schema``.

    ``details["errors"]`` lists up to ten violations as ``path: message``.
    """

    name = "json_schema"

    def __init__(self, schema: dict[str, Any]) -> None:
        cls = validator_for(schema, default=Draft202012Validator)
        try:
            cls.check_schema(schema)
        except SchemaError as exc:
            raise ValueError(f"invalid JSON Schema: {exc.message}") from exc
        self.validator = cls(schema)

    def score(self, response: str, targets: tuple[str, ...], input: str) -> Score:
        try:
            value = extract_json(response)
        except (ValueError, RecursionError) as exc:
            return binary(False, "invalid_json", str(exc), errors=[str(exc)])
        errors = [
            f"{'/'.join(str(p) for p in err.absolute_path) or '$'}: {err.message}"
            for _, err in zip(range(10), self.validator.iter_errors(value), strict=False)
        ]
        if errors:
            return binary(False, "schema_violation", errors[0], errors=errors)
        return binary(True, "conforms", errors=[])

"""Every unknown key and every invalid value of a closed vocabulary gets a suggestion;
a misspelled required key is reported once, as the misspelling, at its own line."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.errors import PolicyError
from clearance.policy import Problem, parse_policy, problems_of, render_policy
from clearance.policy._suggest import closest, distance

FILE = Path("/nonexistent/clearance.yaml")
TEMPLATE = render_policy("shop-bot")


def only_problem(old: str, new: str) -> Problem:
    assert old in TEMPLATE, old
    text = TEMPLATE.replace(old, new, 1)
    with pytest.raises(PolicyError) as info:
        parse_policy(text, file=FILE, require_env=False)
    found = problems_of(info.value)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def line_of(needle: str, text: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_misspelled_required_key_is_one_problem_at_the_typo() -> None:
    p = only_problem("targets:\n", "targest:\n")
    assert p.message == "unknown key 'targest'; the required key 'targets' is missing"
    assert p.fix.startswith("did you mean 'targets'?")
    assert p.line == line_of("targest:", TEMPLATE.replace("targets:\n", "targest:\n", 1))
    assert p.path == "targest"


def test_misspelled_required_key_inside_a_union_variant() -> None:
    p = only_problem("base_url: http://127.0.0.1:8081/v1", "bas_url: http://127.0.0.1:8081/v1")
    assert p.path == "targets.baseline.bas_url"
    assert p.fix.startswith("did you mean 'base_url'?")


@pytest.mark.parametrize(
    ("old", "new", "path", "hint"),
    [
        (
            "{metric: harmful-refusal.refusal_rate, min: 0.90}",
            "{metric: harmful-refusal.refusal_rate, mn: 0.90}",
            "gates.safety[0].mn",
            "min",
        ),
        ("repeats: 3", "repeat: 3", "suites[4].repeat", "repeats"),
        (
            "{stage: canary, weight: 0.05",
            "{stage: canary, wieght: 0.05",
            "rollout.stages[3].wieght",
            "weight",
        ),
        (
            "{kind: cost_spike, margin: 0.25",
            "{kind: cost_spike, margn: 0.25",
            "triggers[3].margn",
            "margin",
        ),
        ("  confidence: 0.95", "  confidense: 0.95", "gates.confidense", "confidence"),
        ("- builtin: over-refusal ", "- biultin: over-refusal ", "suites[1].biultin", "builtin"),
    ],
)
def test_every_unknown_key_gets_the_closest_key_there(
    old: str, new: str, path: str, hint: str
) -> None:
    text = TEMPLATE.replace(old, new, 1)
    with pytest.raises(PolicyError) as info:
        parse_policy(text, file=FILE, require_env=False)
    by_path = {p.path: p for p in problems_of(info.value)}
    assert by_path[path].fix.startswith(f"did you mean '{hint}'?"), by_path[path]


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("builtin: over-refusal ", "builtin: over-refusl ", "over-refusal"),
        ("allow_not_evaluated: [capability]", "allow_not_evaluated: [capabilty]", "capability"),
        ("kind: cost_spike", "kind: cost_spik", "cost_spike"),
        ("{stage: canary,", "{stage: canery,", "canary"),
        ("approvals: [own_evals]", "approvals: [own_eval]", "own_evals"),
        (
            "adapter: openai\n    base_url: http://127.0.0.1:8081",
            "adapter: opena\n    base_url: http://127.0.0.1:8081",
            "openai",
        ),
        ("  kind: system ", "  kind: sytem ", "system"),
        (
            "{kind: tool_call_errors, margin: 0.20",
            "{kind: custom, statistic: rate, metric: tool_eror, margin: 0.20",
            "tool_errors",
        ),
        ("on_error: fail", "on_error: exclud", "exclude"),
    ],
)
def test_every_invalid_enum_value_gets_the_closest_value(old: str, new: str, hint: str) -> None:
    p = only_problem(old, new)
    assert "is not an allowed value here" in p.message
    assert p.fix.startswith(f"did you mean '{hint}'?"), p


def test_a_value_far_from_every_choice_lists_the_choices() -> None:
    p = only_problem("builtin: over-refusal ", "builtin: zzzzzzzz ")
    assert p.fix == (
        "allowed: harmful-refusal, over-refusal, prompt-injection, pii-leakage, consistency"
    )


def test_a_key_far_from_every_key_lists_the_keys() -> None:
    p = only_problem("  rollback_limit_s: 60", "  qqqqqqqq: 60")
    assert p.fix.startswith("remove this key; the keys allowed here are: alpha, ")


def test_closest() -> None:
    assert closest("mn", ["min", "max", "metric"]) == "min"
    assert closest("targest", ["system", "targets"]) == "targets"
    assert closest("MIN", ["min"]) == "min"
    assert closest("x", ["min", "max"]) is None  # two edits away, but the whole word
    assert closest("zzzz", ["min", "max"]) is None
    assert closest("min", ["min"]) is None  # the word itself is no suggestion
    assert distance("abc", "acb") == 1
    assert distance("kitten", "sitting") == 3

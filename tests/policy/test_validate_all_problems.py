"""Validation reports every problem of a policy at once, each with its place and fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import PolicyError
from clearance.policy import Policy, PolicyErrors, parse_policy, problems_of, render_policy

FILE = Path("/nonexistent/clearance.yaml")
TEMPLATE = render_policy("shop-bot")


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(text: str) -> list[Any]:
    with pytest.raises(PolicyErrors) as info:
        parse_policy(text, file=FILE, require_env=False)
    return list(info.value.problems)


def test_every_schema_problem_is_reported_in_file_order() -> None:
    text = edit(
        TEMPLATE,
        ("kind: system ", "kind: sistem "),
        ("own_evals: [carol]", "own_eval: [carol]"),
        ("repeats: 3", "repeats: 0"),
        ("{metric: latency.p95_ms, max: 2000}", "{metric: latency.p95_ms, mx: 2000}"),
        ("alpha: 0.05", "alpha: 2"),
    )
    found = problems(text)
    assert [p.path for p in found] == [
        "system.kind",
        "owners.own_eval",
        "suites[4].repeats",
        "gates.latency[0].mx",
        "rollout.alpha",
    ]
    for p in found:
        assert p.file == str(FILE)
        assert p.line is not None and p.column is not None
        assert p.fix
    assert found[1].line == line_of(text, "own_eval:")
    assert found[3].fix == "did you mean 'max'?"


def test_cross_reference_problems_are_all_reported() -> None:
    text = edit(
        TEMPLATE,
        ("metric: over-refusal.refusal_rate", "metric: over-refusal.refusal_rat"),
        ("metric: latency.p99_ms", "metric: latency.p98_ms"),
        ("people: [alice, bob], min_approvals: 1", "people: [alice], min_approvals: 2"),
    )
    found = problems(text)
    assert [p.message for p in found] == [
        "2 approvals required but only 1 people hold 'approve_changes'",
        "gate metric 'over-refusal.refusal_rat' is not reported by any suite",
        "gate metric 'latency.p98_ms' is not reported by any suite",
    ]
    assert found[1].line == line_of(text, "over-refusal.refusal_rat")
    assert found[1].fix == "did you mean 'over-refusal.refusal_rate'?"


def test_schema_and_cross_reference_problems_together() -> None:
    """A typo in one gate does not hide an unknown metric in another."""
    text = edit(
        TEMPLATE,
        ("{metric: latency.p95_ms, max: 2000}", "{metric: latency.p95_ms, mx: 2000}"),
        ("metric: latency.p99_ms", "metric: latency.p98_ms"),
        ("kind: cost_spike", "kind: cost_spik"),
        ("metric: rollback.drill_seconds", "metric: rollback.drill_second"),
    )
    found = problems(text)
    by_path = {p.path: p for p in found}
    assert set(by_path) == {
        "gates.latency[0].mx",
        "triggers[3].kind",
        "gates.latency.1.metric",
        "gates.rollback.1.metric",
    }
    # item indices after a left-out gate still point at the file's lines
    assert by_path["gates.latency.1.metric"].line == line_of(text, "latency.p98_ms")
    assert by_path["gates.rollback.1.metric"].fix == "did you mean 'rollback.drill_seconds'?"


def test_every_duplicate_key_and_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_A", raising=False)
    monkeypatch.delenv("NOPE_B", raising=False)
    text = edit(
        TEMPLATE,
        ("  kind: system ", "  kind: system\n  kind: model\n  description: x\n  #"),
        ("  telemetry_sink: store", "  telemetry_sink: store\n  telemetry_sink: store"),
    )
    dupes = problems(text)
    assert [p.message.split(" (")[0] for p in dupes] == [
        "duplicate key 'kind'",
        "duplicate key 'description'",
        "duplicate key 'telemetry_sink'",
    ]
    env = edit(TEMPLATE, ("model: candidate-model", "model: ${NOPE_A}"))
    env = edit(env, ("model: baseline-model", "model: ${NOPE_B}"))
    with pytest.raises(PolicyErrors) as info:
        parse_policy(env, file=FILE)
    assert [p.message for p in info.value.problems] == [
        "environment variable NOPE_A is not set",
        "environment variable NOPE_B is not set",
    ]


def test_a_single_problem_keeps_the_single_error_shape() -> None:
    text = edit(TEMPLATE, ("triggers:", "trigers:"))
    with pytest.raises(PolicyError) as info:
        parse_policy(text, file=FILE)
    assert str(info.value) == (
        f"{FILE}:{line_of(text, 'trigers:')}:1: unknown key 'trigers' (at trigers)\n"
        "  fix: did you mean 'triggers'?"
    )


def test_many_problems_render_as_a_list() -> None:
    text = edit(TEMPLATE, ("triggers:", "trigers:"), ("card:", "cards:"))
    with pytest.raises(PolicyError) as info:
        parse_policy(text, file=FILE)
    lines = str(info.value).splitlines()
    assert lines[0] == f"2 problems in {FILE}:"
    assert "unknown key 'cards'" in lines[1] and "unknown key 'trigers'" in lines[3]


# --------------------------------------------------------------------------- fuzzing

BASE = yaml.safe_load(TEMPLATE)


def _keys(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out += [(*prefix, key), *_keys(value, (*prefix, key))]
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _keys(value, (*prefix, i))
    return out


KEYS = _keys(BASE)


def _typo(word: str, op: str, at: int, letter: str) -> str:
    at = at % (len(word) + 1)
    if op == "drop" and word:
        at = min(at, len(word) - 1)
        return word[:at] + word[at + 1 :]
    if op == "swap" and len(word) > 1:
        at = min(at, len(word) - 2)
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word[:at] + letter + word[at:]


def _rename(data: Any, path: tuple[Any, ...], new: str) -> Any:
    data = json.loads(json.dumps(data))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    parent[new] = parent.pop(path[-1])
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(KEYS),
            st.sampled_from(["drop", "swap", "add"]),
            st.integers(0, 30),
            st.sampled_from("aeiouxz_-"),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_key_typos_are_each_reported_with_place_and_fix(
    typos: list[tuple[tuple[Any, ...], str, int, str]],
) -> None:
    data = BASE
    for path, op, at, letter in typos:
        try:
            data = _rename(data, path, _typo(str(path[-1]), op, at, letter))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier typo renamed a parent
    text = yaml.safe_dump(data, sort_keys=False)
    try:
        assert isinstance(parse_policy(text, file=FILE, require_env=False), Policy)
    except PolicyError as exc:
        found = problems_of(exc)
        assert found
        for p in found:
            assert p.line is not None, p
            assert p.fix, p
            assert p.path, p


# --------------------------------------------------------------------------- the command


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLEARANCE_DATABASE_URL", raising=False)
    return tmp_path


BROKEN = (
    ("targets:\n", "targest:\n"),
    ("builtin: over-refusal ", "builtin: over-refusl "),
    (
        "{metric: harmful-refusal.refusal_rate, min: 0.90}",
        "{metric: harmful-refusal.refusal_rate, mn: 0.90}",
    ),
)


def test_validate_prints_every_problem_and_exits_2(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from clearance.cli import run

    text = edit(TEMPLATE, *BROKEN)
    (workdir / "clearance.yaml").write_text(text)
    assert run(["validate"]) == 2
    err = capsys.readouterr().err
    assert err.count("error: clearance.yaml:") == 3
    assert f"clearance.yaml:{line_of(text, 'targest:')}:1: unknown key 'targest'" in err
    assert "missing required key" not in err
    assert "fix: did you mean 'over-refusal'?" in err
    assert "fix: did you mean 'min'?" in err
    assert "clearance.yaml: 3 problems" in err
    assert "Traceback" not in err


def test_validate_json_lists_problems(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from clearance.cli import run

    (workdir / "clearance.yaml").write_text(edit(TEMPLATE, *BROKEN))
    assert run(["validate", "--format", "json"]) == 2
    body = json.loads(capsys.readouterr().out)
    assert body["valid"] is False
    assert [p["path"] for p in body["problems"]] == [
        "targest",
        "suites[1].builtin",
        "gates.safety[0].mn",
    ]
    for p in body["problems"]:
        assert set(p) == {"file", "line", "column", "path", "message", "fix"}
        assert p["file"] == "clearance.yaml" and isinstance(p["line"], int) and p["fix"]


def test_validate_json_when_valid_and_when_unreadable(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from clearance.cli import run

    (workdir / "clearance.yaml").write_text(TEMPLATE)
    assert run(["validate", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["valid"] is True and body["suites"] == 5 and body["triggers"] == 10
    assert run(["validate", "--format", "json", "--policy", "nope.yaml"]) == 2
    body = json.loads(capsys.readouterr().out)
    assert body["valid"] is False
    assert body["problems"][0]["message"] == "policy file not found"

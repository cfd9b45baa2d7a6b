"""The DeepEval reader on test runs DeepEval itself saved (tests/fixtures/imports/deepeval)."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import DataError
from clearance.imports import _deepeval as deepeval
from clearance.imports._model import ImportedTask

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
HERE = FIXTURES / "deepeval"
CANDIDATE = HERE / "candidate.json"
BASELINE = HERE / "baseline.json"
CHANGED = HERE / "baseline_changed.json"
METRIC = "Exact Match"
ERRORED = "q008"  # candidate-model's HTTP 500 item (bucket 50) under the stub's --errors


def _stub() -> Any:
    spec = importlib.util.spec_from_file_location("imports_stub", FIXTURES / "stub.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STUB = _stub()


def one(path: Path) -> ImportedTask:
    tasks = deepeval.read(path)
    assert len(tasks) == 1
    return tasks[0]


def by_id(task: ImportedTask) -> dict[str, Any]:
    return {item.sample_id: item for item in task.items}


def stub_wrong(model: str, prompt: str | None) -> bool:
    assert prompt is not None
    match = list(STUB.QUESTION.finditer(prompt))[-1]
    return bool(STUB.wrong(model, STUB.bucket(match.group(0))))


def raw(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text())
    return value


def write(tmp_path: Path, value: Any, name: str = "test_run_x.json") -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


def case(name: str, text: str, **extra: Any) -> dict[str, Any]:
    metric = {"name": METRIC, "threshold": 1.0, "success": True, "score": 1.0}
    return {
        "name": name,
        "input": text,
        "actualOutput": "1",
        "expectedOutput": "1",
        "success": True,
        "metricsData": [metric],
        **extra,
    }


# --- recognising ------------------------------------------------------------------------


def test_recognises_its_runs_and_nothing_else(tmp_path: Path) -> None:
    for path in (CANDIDATE, BASELINE, CHANGED):
        assert deepeval.recognises(path)
    assert not deepeval.recognises(FIXTURES / "items.jsonl")
    assert not deepeval.recognises(write(tmp_path, {"results": [], "testCases": []}))
    assert not deepeval.recognises(tmp_path / "missing.json")
    assert not deepeval.recognises(tmp_path)
    shutil.copy(BASELINE, tmp_path / "test_run_20261203_150000.json")
    assert deepeval.recognises(tmp_path)


# --- what the runs hold -----------------------------------------------------------------


def test_task_model_and_metric_are_read() -> None:
    for path, model in (
        (CANDIDATE, "candidate-model"),
        (BASELINE, "baseline-model"),
        (CHANGED, "baseline-model"),
    ):
        task = one(path)
        assert task.tool == "deepeval"
        assert task.task == "arith-exact-match"  # evaluate(identifier=...)
        assert task.model == model  # evaluate(hyperparameters={"model": ...})
        assert task.version is None  # no dataset version without Confident AI
        assert task.scorers == (METRIC,)
        assert task.source == str(path)
        assert task.notes == ()


def test_pairing_keys_are_the_item_ids_and_equal_across_runs() -> None:
    ids = {f"q{i:03d}" for i in range(100)}
    candidate, baseline = one(CANDIDATE), one(BASELINE)
    assert {(i.sample_id, i.repeat) for i in candidate.items} == {(x, 0) for x in ids}
    assert {(i.sample_id, i.repeat) for i in baseline.items} == {(x, 0) for x in ids}
    assert {i.sample_id for i in one(CHANGED).items} == ids - {"q099"}


def test_digests_match_except_the_changed_item() -> None:
    candidate, baseline, changed = by_id(one(CANDIDATE)), by_id(one(BASELINE)), by_id(one(CHANGED))
    assert all(candidate[k].digest == baseline[k].digest for k in baseline)
    differ = {k for k in changed if changed[k].digest != baseline[k].digest}
    assert differ == {"q007"}
    assert "q099" not in changed


def test_scores_and_verdicts_are_what_the_stub_answered() -> None:
    for path, model, right in (
        (BASELINE, "baseline-model", 86),
        (CANDIDATE, "candidate-model", 86),
    ):
        task = one(path)
        scored = [i for i in task.items if i.error is None]
        for item in scored:
            wrong = stub_wrong(model, item.prompt)
            assert item.scores == {METRIC: 0.0 if wrong else 1.0}
            assert item.passed is (not wrong)
        assert sum(1 for i in scored if i.passed) == right
    # candidate-model is right on 87 of 100; one of those is the errored item
    assert not stub_wrong("candidate-model", by_id(one(CANDIDATE))[ERRORED].prompt)


def test_the_failed_generation_stays_an_error() -> None:
    items = by_id(one(CANDIDATE))
    item = items[ERRORED]
    assert item.error is not None and item.error.startswith(f"{METRIC}: ")
    assert "actual_output" in item.error
    assert item.scores == {} and item.passed is None and item.output is None
    assert "500" in item.details["metadata"]["error"]
    assert [k for k, v in items.items() if v.error] == [ERRORED]
    assert all(i.error is None for i in one(BASELINE).items)


def test_prompt_target_output_latency_and_tokens_are_filled() -> None:
    item = by_id(one(BASELINE))["q000"]
    assert item.prompt == "What is 19 + 33? Answer with the number only."
    assert item.target == "52" and item.output == "52"
    assert item.input_tokens == 10 and item.output_tokens == 1
    assert item.details["metrics"][METRIC]["reason"].startswith("The actual and expected")
    for task in (one(BASELINE), one(CANDIDATE)):
        for it in task.items:
            if it.error is None:
                assert it.latency_ms is not None and 0 < it.latency_ms < 60_000
                assert it.cost_usd is None  # the stub states no price


# --- other shapes DeepEval writes -------------------------------------------------------


def test_the_latest_test_run_wrapper_reads_the_same(tmp_path: Path) -> None:
    path = write(tmp_path, {"testRunData": raw(BASELINE)}, ".latest_test_run.json")
    assert deepeval.recognises(path)
    assert one(path).items == one(BASELINE).items


def test_a_link_only_latest_file_is_refused_with_a_fix(tmp_path: Path) -> None:
    path = write(tmp_path, {"testRunLink": "https://app.confident-ai.com/x"}, "latest.json")
    assert deepeval.recognises(path)
    with pytest.raises(DataError, match="Confident AI") as caught:
        deepeval.read(path)
    assert caught.value.file == str(path) and caught.value.fix


def test_a_results_folder_is_one_task_per_run(tmp_path: Path) -> None:
    shutil.copy(BASELINE, tmp_path / "test_run_20261203_150000.json")
    shutil.copy(CANDIDATE, tmp_path / "test_run_20261203_150100.json")
    tasks = deepeval.read(tmp_path)
    assert [t.model for t in tasks] == ["baseline-model", "candidate-model"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no DeepEval test run") as caught:
        deepeval.read(empty)
    assert caught.value.file == str(empty) and caught.value.fix


def test_unset_and_repeated_names_key_by_input(tmp_path: Path) -> None:
    cases = [
        case("test_case_0", "a", order=0),  # DeepEval's default name: positional, not an id
        case("same", "b", order=1),
        case("same", "b", order=2),
        case("kept", "c", order=3),
    ]
    task = one(write(tmp_path, {"testCases": cases, "identifier": "t"}))
    keys = [(i.sample_id, i.repeat) for i in task.items]
    assert keys[0][0].startswith("input:") and len(keys[0][0]) == len("input:") + 16
    assert keys[1][0] == keys[2][0] != keys[0][0] and (keys[1][1], keys[2][1]) == (0, 1)
    assert keys[3] == ("kept", 0)
    assert task.notes and "no model" in task.notes[0]


def test_task_falls_back_and_version_metadata_and_conversations(tmp_path: Path) -> None:
    run = {
        "testCases": [case("x", "q", tags=["math"], metadata={"latency_ms": 5, "input_tokens": 3})],
        "conversationalTestCases": [{"name": "c"}],
        "datasetVersion": "v2",
        "hyperparameters": {"Model": "m"},
    }
    task = one(write(tmp_path, run, "my_run.json"))
    assert (task.task, task.version, task.model) == ("my_run", "v2", "m")
    item = task.items[0]
    assert (item.latency_ms, item.input_tokens, item.category) == (5.0, 3, "math")
    assert "conversational" in task.notes[0]


def test_a_metric_error_beside_a_score_makes_the_item_an_error(tmp_path: Path) -> None:
    broken = {"name": "Judge", "success": False, "error": "judge timed out"}
    cases = [case("x", "q")]
    cases[0]["metricsData"].append(broken)
    item = one(write(tmp_path, {"testCases": cases})).items[0]
    assert item.error == "Judge: judge timed out"
    assert item.scores == {} and item.passed is None


# --- bad input --------------------------------------------------------------------------


def _mutated(tmp_path: Path, change: Any) -> Path:
    run = copy.deepcopy(raw(BASELINE))
    change(run)
    return write(tmp_path, run)


BAD: list[tuple[str, Any]] = [
    ("not valid JSON", '{"testCases": ['),
    ("JSON object", [1, 2]),
    ("no testCases", {"identifier": "x"}),
    ("testCases must be a list", {"testCases": {}}),
    ("no LLM test cases", {"testCases": []}),
    ("no LLM test cases", {"testCases": [], "conversationalTestCases": [{"name": "c"}]}),
    ("not an object", {"testCases": [3]}),
    ("input is missing", {"testCases": [{"name": "a"}]}),
    ("name is missing", {"testCases": [{"input": "a"}]}),
    (
        "score must be a number",
        {"testCases": [case("a", "q", metricsData=[{"name": "m", "score": "1"}])]},
    ),
    (
        "appears twice",
        {
            "testCases": [
                case("a", "q", metricsData=[{"name": "m", "score": 1}, {"name": "m", "score": 0}])
            ]
        },
    ),
    ("metricsData must be a list", {"testCases": [case("a", "q", metricsData={})]}),
    ("success must be true or false", {"testCases": [case("a", "q", success="yes")]}),
    (
        "latency_ms must be a number",
        {"testCases": [case("a", "q", metadata={"latency_ms": "fast"})]},
    ),
    ("whole number", {"testCases": [case("a", "q", inputTokenCount=-1)]}),
    ("hyperparameters must be an object", {"testCases": [case("a", "q")], "hyperparameters": []}),
    ("testRunData is not an object", {"testRunData": 1}),
]


@pytest.mark.parametrize(("message", "value"), BAD, ids=[m for m, _ in BAD])
def test_bad_runs_are_data_errors_with_file_and_fix(
    tmp_path: Path, message: str, value: Any
) -> None:
    path = write(tmp_path, value)
    with pytest.raises(DataError, match=re.escape(message)) as caught:
        deepeval.read(path)
    assert caught.value.file == str(path)
    assert caught.value.fix


def test_unreadable_files_are_data_errors(tmp_path: Path) -> None:
    undecodable = tmp_path / "bad.json"
    undecodable.write_bytes(b'{"testCases": ["\xff\xfe"]}')
    nan = write(
        tmp_path,
        '{"testCases": [{"name": "a", "input": "q", "metricsData": '
        '[{"name": "m", "score": NaN}]}]}',
        "nan.json",
    )
    for path, message in (
        (undecodable, "UTF-8"),
        (nan, "NaN"),
        (tmp_path / "missing.json", "cannot read"),
    ):
        with pytest.raises(DataError, match=message) as caught:
            deepeval.read(path)
        assert caught.value.file == str(path) and caught.value.fix


def test_a_bad_case_is_located(tmp_path: Path) -> None:
    def drop_input(run: dict[str, Any]) -> None:
        del run["testCases"][3]["input"]

    with pytest.raises(DataError) as caught:
        deepeval.read(_mutated(tmp_path, drop_input))
    assert caught.value.path == "testCases[3].input"


# --- fuzz -------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
SOURCES = [BASELINE.read_bytes(), CANDIDATE.read_bytes()]


def _places(value: Any, trail: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside a JSON value (objects' keys and lists' indexes)."""
    out = [trail]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _places(child, (*trail, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            out += _places(child, (*trail, index))
    return out


def _edit(doc: Any, trail: tuple[Any, ...], action: str, new: Any) -> Any:
    if not trail:
        return new
    parent = doc
    for step in trail[:-1]:
        parent = parent[step]
    if action == "drop":
        del parent[trail[-1]]
    else:
        parent[trail[-1]] = new
    return doc


def _check(path: Path) -> None:
    try:
        tasks = deepeval.read(path)
    except DataError as exc:
        assert exc.file == str(path)
        return
    for task in tasks:
        assert task.items
        for item in task.items:
            assert isinstance(item.sample_id, str) and len(item.digest) == 64
            if item.error is not None:
                assert item.scores == {} and item.passed is None


FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    source=st.sampled_from(SOURCES),
    cut=st.integers(0, 50_000),
    flips=st.lists(st.tuples(st.integers(0, 50_000), st.integers(0, 255)), max_size=4),
)
def test_fuzz_truncated_and_flipped_bytes(
    tmp_path: Path, source: bytes, cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(source[: cut % (len(source) + 1)])
    for at, byte in flips:
        if data:
            data[at % len(data)] = byte
    path = tmp_path / "test_run_fuzz.json"
    path.write_bytes(bytes(data))
    _check(path)


@FUZZ
@given(source=st.sampled_from(SOURCES), data=st.data())
def test_fuzz_dropped_and_replaced_keys(tmp_path: Path, source: bytes, data: Any) -> None:
    doc = json.loads(source)
    for _ in range(data.draw(st.integers(1, 3))):
        places = _places(doc)
        trail = data.draw(st.sampled_from(places))
        action = data.draw(st.sampled_from(["drop", "replace"])) if trail else "replace"
        doc = _edit(doc, trail, action, data.draw(JSON_VALUES))
    path = tmp_path / "test_run_fuzz.json"
    path.write_text(json.dumps(doc))
    _check(path)


# --- the tool itself --------------------------------------------------------------------


def _tool_venv_root() -> Path | None:
    roots = [os.environ.get("VENV_ROOT"), "/tmp/clearance-tool-venvs", "/tmp/bench-venvs"]
    for root in roots:
        if root and (Path(root) / "deepeval" / "bin" / "python").exists():
            return Path(root)
    return None


@pytest.mark.slow
def test_make_sh_reruns_deepeval_and_the_reader_reads_it(tmp_path: Path) -> None:
    root = _tool_venv_root()
    if root is None:
        pytest.skip(
            "DeepEval is not installed under VENV_ROOT, /tmp/clearance-tool-venvs "
            "or /tmp/bench-venvs"
        )
    env = {**os.environ, "VENV_ROOT": str(root), "OUT": str(tmp_path)}
    subprocess.run(
        ["bash", str(HERE / "make.sh")], env=env, check=True, timeout=600, capture_output=True
    )
    fresh = {
        name: one(tmp_path / f"{name}.json")
        for name in ("candidate", "baseline", "baseline_changed")
    }
    for name, task in fresh.items():
        committed = one(HERE / f"{name}.json")
        assert [(i.sample_id, i.digest, dict(i.scores), i.passed, i.error) for i in task.items] == [
            (i.sample_id, i.digest, dict(i.scores), i.passed, i.error) for i in committed.items
        ]

"""The promptfoo reader on results files promptfoo 0.121.20 wrote (fixtures/imports/promptfoo)."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import DataError
from clearance.imports import _promptfoo as promptfoo
from clearance.imports import detect, read_task
from clearance.imports._model import ImportedItem, ImportedTask

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
HERE = FIXTURES / "promptfoo"
CANDIDATE = HERE / "candidate.json"
BASELINE = HERE / "baseline.json"
CHANGED = HERE / "baseline_changed.json"
BOTH = HERE / "both.json"
REPEAT = HERE / "repeat_prompts.json"
ERRORED = "q008"  # the item the stub's --errors answers with HTTP 500 for candidate-model


def _stub() -> Any:
    spec = importlib.util.spec_from_file_location("import_stub", FIXTURES / "stub.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STUB = _stub()


def _items(name: str = "items.jsonl") -> list[dict[str, str]]:
    lines = (FIXTURES / name).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _one(path: Path) -> ImportedTask:
    tasks = promptfoo.read(path)
    assert len(tasks) == 1
    return tasks[0]


def _by_id(task: ImportedTask) -> dict[str, ImportedItem]:
    return {item.sample_id: item for item in task.items}


def _doc(path: Path = CANDIDATE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _write(tmp_path: Path, doc: Any, name: str = "results.json") -> Path:
    out = tmp_path / name
    out.write_text(json.dumps(doc))
    return out


def _with_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    doc = _doc()
    doc["results"]["results"] = rows
    return doc


def _row(index: int = 0) -> dict[str, Any]:
    row: dict[str, Any] = copy.deepcopy(_doc()["results"]["results"][index])
    return row


def _expected_right(model: str) -> dict[str, bool]:
    """Whether the stub answers each item right for ``model`` (from its own rule)."""
    out = {}
    for item in _items():
        match = STUB.QUESTION.search(item["input"])
        out[item["id"]] = not STUB.wrong(model, STUB.bucket(match.group(0)))
    return out


# --- the committed fixtures -------------------------------------------------------------


def test_recognises_its_results_and_nothing_else(tmp_path: Path) -> None:
    for path in (CANDIDATE, BASELINE, CHANGED, BOTH, REPEAT):
        assert promptfoo.recognises(path)
    other = _write(tmp_path, {"results": {"results": []}}, "other.json")
    assert not promptfoo.recognises(other)
    assert not promptfoo.recognises(FIXTURES / "items.jsonl")
    assert not promptfoo.recognises(HERE / "promptfooconfig.yaml")
    assert not promptfoo.recognises(HERE)
    assert not promptfoo.recognises(tmp_path / "missing.json")
    renamed = tmp_path / "results.txt"
    renamed.write_bytes(CANDIDATE.read_bytes())
    assert not promptfoo.recognises(renamed)


def test_the_files_are_detected_as_promptfoo() -> None:
    for path in (CANDIDATE, BOTH, REPEAT):
        assert detect(path) == "promptfoo"
    assert read_task(BOTH, task="baseline").model == "openai:chat:baseline-model"


def test_task_model_scorers_and_version_are_read() -> None:
    for path, label in ((CANDIDATE, "candidate"), (BASELINE, "baseline"), (CHANGED, "baseline")):
        task = _one(path)
        assert task.tool == "promptfoo"
        assert task.task == label
        assert task.model == f"openai:chat:{label}-model"
        assert task.version is None  # promptfoo records no task version
        assert task.scorers == ("score", "assert:equals")
        assert task.source == str(path)
        assert task.notes == ()


def test_pairing_keys_are_the_test_metadata_ids_and_equal_across_runs() -> None:
    ids = [item["id"] for item in _items()]
    for path in (CANDIDATE, BASELINE):
        task = _one(path)
        assert [i.sample_id for i in task.items] == ids
        assert {i.repeat for i in task.items} == {0}


def test_digests_match_except_the_changed_item() -> None:
    candidate, baseline, changed = (_by_id(_one(p)) for p in (CANDIDATE, BASELINE, CHANGED))
    assert {k: v.digest for k, v in candidate.items()} == {k: v.digest for k, v in baseline.items()}
    assert "q099" not in changed
    assert set(changed) == set(baseline) - {"q099"}
    differ = {k for k in changed if changed[k].digest != baseline[k].digest}
    assert differ == {"q007"}


def test_scores_and_verdicts_are_what_the_stub_answered() -> None:
    for path, model, right in (
        (CANDIDATE, "candidate-model", 87),
        (BASELINE, "baseline-model", 86),
    ):
        expected = _expected_right(model)
        assert sum(expected.values()) == right
        for item in _one(path).items:
            if item.sample_id == ERRORED and model == "candidate-model":
                continue
            assert item.passed is expected[item.sample_id], item.sample_id
            assert item.scores == {
                "score": float(item.passed),
                "assert:equals": float(item.passed),
            }
            assert item.error is None
    passed = [i.sample_id for i in _one(CANDIDATE).items if i.passed]
    assert len(passed) == 86  # 87 right, one of them errored


def test_the_server_error_stays_an_error() -> None:
    candidate = _by_id(_one(CANDIDATE))
    errored = [k for k, item in candidate.items() if item.error is not None]
    assert errored == [ERRORED]
    item = candidate[ERRORED]
    assert item.passed is None
    assert item.scores == {}
    assert item.error is not None and "500" in item.error
    assert item.output is None
    assert _by_id(_one(BASELINE))[ERRORED].error is None


def test_an_assertion_failure_is_a_failed_item_with_its_reason() -> None:
    baseline = _by_id(_one(BASELINE))
    failed = [item for item in baseline.values() if item.passed is False]
    assert len(failed) == 14
    item = failed[0]
    assert item.error is None
    assert item.scores["score"] == 0.0
    assert item.details["reason"] == f'Expected output "{item.output}" to equal "{item.target}"'


def test_prompt_target_output_latency_tokens_and_cost_are_filled() -> None:
    first = _items()[0]
    item = _one(CANDIDATE).items[0]
    assert item.prompt == first["input"]
    assert item.target == first["target"]
    assert item.output == first["target"]
    assert item.latency_ms is not None and item.latency_ms > 0
    assert item.input_tokens == len(first["input"].split())
    assert item.output_tokens == 1
    assert item.cost_usd == 0.0
    assert item.category is None
    assert item.details["description"] == first["id"]


def test_one_eval_of_both_providers_is_two_tasks() -> None:
    tasks = promptfoo.read(BOTH)
    assert [(t.task, t.model) for t in tasks] == [
        ("candidate", "openai:chat:candidate-model"),
        ("baseline", "openai:chat:baseline-model"),
    ]
    single = {"candidate": _by_id(_one(CANDIDATE)), "baseline": _by_id(_one(BASELINE))}
    for task in tasks:
        assert len(task.items) == 50
        for item in task.items:
            alone = single[task.task][item.sample_id]
            assert (item.digest, item.passed, item.error is None) == (
                alone.digest,
                alone.passed,
                alone.error is None,
            )


def test_several_prompts_and_repeats_are_tasks_and_repeat_counts() -> None:
    tasks = promptfoo.read(REPEAT)
    assert [t.task for t in tasks] == ["candidate / {{input}}", "candidate / Question: {{input}}"]
    for task in tasks:
        keys = sorted((i.sample_id, i.repeat) for i in task.items)
        assert keys == [(q, r) for q in ("q000", "q001", "q002") for r in (0, 1)]
        by_key = {(i.sample_id, i.repeat): i for i in task.items}
        assert by_key["q000", 0].digest == by_key["q000", 1].digest
    assert tasks[1].items[0].prompt is not None
    assert tasks[1].items[0].prompt.startswith("Question: ")


# --- shapes the fixtures do not show ----------------------------------------------------


def test_without_metadata_id_the_key_is_a_hash_of_vars(tmp_path: Path) -> None:
    rows = [_row(0), _row(1)]
    for row in rows:
        del row["testCase"]["metadata"]
    task = _one(_write(tmp_path, _with_rows(rows)))
    keys = [i.sample_id for i in task.items]
    assert all(re.fullmatch(r"vars:[0-9a-f]{16}", k) for k in keys)
    assert len(set(keys)) == 2
    baseline_row = copy.deepcopy(_doc(BASELINE)["results"]["results"][0])
    del baseline_row["testCase"]["metadata"]
    again = _one(_write(tmp_path, _with_rows([baseline_row]), "again.json"))
    assert again.items[0].sample_id == keys[0]
    assert again.items[0].digest == task.items[0].digest


def test_a_changed_assertion_changes_the_digest(tmp_path: Path) -> None:
    row = _row(0)
    row["testCase"]["assert"][0]["value"] = "53"
    changed = _one(_write(tmp_path, _with_rows([row]))).items[0]
    assert changed.sample_id == "q000"
    assert changed.digest != _one(CANDIDATE).items[0].digest


def test_named_scores_and_assertion_metrics_are_scorers(tmp_path: Path) -> None:
    row = _row(0)
    parts = row["gradingResult"]["componentResults"]
    parts.append({"pass": True, "score": 0.5, "assertion": {"type": "equals", "value": "x"}})
    parts.append({"pass": True, "score": 0.25, "assertion": {"type": "contains", "metric": "m"}})
    parts.append({"pass": True, "score": 1, "reason": "no assertion"})
    row["namedScores"] = {"accuracy": 0.75, "score": 1, "m": 0.3, "unset": None}
    task = _one(_write(tmp_path, _with_rows([row])))
    assert task.items[0].scores == {
        "score": 1.0,
        "assert:equals": 1.0,
        "assert:equals#2": 0.5,
        "m": 0.3,
        "accuracy": 0.75,
        "named:score": 1.0,
    }
    assert task.scorers[0] == "score"


def test_without_failure_reason_the_outcome_is_inferred(tmp_path: Path) -> None:
    all_rows = _doc()["results"]["results"]
    rows = [next(r for r in all_rows if r["failureReason"] == reason) for reason in (0, 1, 2)]
    for row in rows:
        del row["failureReason"]
    task = _one(_write(tmp_path, _with_rows(rows)))
    assert [(i.passed, i.error is None) for i in task.items] == [
        (True, True),
        (False, True),
        (None, False),
    ]


def test_labels_ids_and_clashing_names(tmp_path: Path) -> None:
    a, b, c = _row(0), _row(1), _row(2)
    a["provider"] = {"id": "openai:chat:x"}
    b["provider"] = {"id": "openai:chat:y", "label": "same"}
    c["provider"] = {"id": "openai:chat:z", "label": "same"}
    names = [t.task for t in promptfoo.read(_write(tmp_path, _with_rows([a, b, c])))]
    assert names == ["openai:chat:x", "same (openai:chat:y)", "same (openai:chat:z)"]


def test_another_results_format_version_is_noted(tmp_path: Path) -> None:
    doc = _doc()
    doc["results"]["version"] = 2
    assert _one(_write(tmp_path, doc)).notes == ("results format version 2; read as version 3",)
    del doc["results"]["version"]
    assert "no results format version" in _one(_write(tmp_path, doc)).notes[0]


def test_structured_output_and_category_are_read(tmp_path: Path) -> None:
    row = _row(0)
    row["response"]["output"] = {"answer": 52}
    row["testCase"]["metadata"]["category"] = "addition"
    item = _one(_write(tmp_path, _with_rows([row]))).items[0]
    assert item.output == '{"answer": 52}'
    assert item.category == "addition"


# --- bad input --------------------------------------------------------------------------


def _row_with(key: str, value: Any) -> dict[str, Any]:
    row = _row(0)
    row[key] = value
    return _with_rows([row])


def _row_without(*keys: str) -> dict[str, Any]:
    row = _row(0)
    for key in keys:
        del row[key]
    return _with_rows([row])


def _version(value: Any) -> dict[str, Any]:
    doc = _doc()
    doc["results"]["version"] = value
    return doc


BAD_DOCS = {
    "a list": lambda: [1, 2],
    "no evalId": lambda: {"results": {"results": []}},
    "results not an object": lambda: {"evalId": "e", "results": []},
    "no rows": lambda: {"evalId": "e", "results": {"version": 3}},
    "empty rows": lambda: {"evalId": "e", "results": {"version": 3, "results": []}},
    "row not an object": lambda: {"evalId": "e", "results": {"results": [3]}},
    "bad version": lambda: _version("3"),
    "no provider": lambda: _row_without("provider"),
    "provider without id": lambda: _row_with("provider", {"label": "x"}),
    "no prompt": lambda: _row_without("prompt"),
    "no vars": lambda: _row_without("vars", "testCase"),
    "score text": lambda: _row_with("score", "1"),
    "success text": lambda: _row_with("success", "yes"),
    "failure reason 7": lambda: _row_with("failureReason", 7),
    "latency negative": lambda: _row_with("latencyMs", -1),
    "cost text": lambda: _row_with("cost", "free"),
    "named score text": lambda: _row_with("namedScores", {"a": "high"}),
    "grading not an object": lambda: _row_with("gradingResult", [1]),
    "component not an object": lambda: _row_with("gradingResult", {"componentResults": [1]}),
}


@pytest.mark.parametrize("name", sorted(BAD_DOCS))
def test_bad_results_are_data_errors_with_file_and_fix(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, BAD_DOCS[name]())
    with pytest.raises(DataError) as caught:
        promptfoo.read(path)
    assert caught.value.file == str(path)
    assert caught.value.fix


def test_a_bad_row_is_located(tmp_path: Path) -> None:
    rows = [_row(0), _row(1)]
    rows[1]["response"]["tokenUsage"]["prompt"] = 1.5
    with pytest.raises(DataError) as caught:
        promptfoo.read(_write(tmp_path, _with_rows(rows)))
    assert caught.value.path == "results.results[1].response.tokenUsage.prompt"


def test_unreadable_files_are_data_errors(tmp_path: Path) -> None:
    cases = {
        "missing.json": None,
        "truncated.json": CANDIDATE.read_bytes()[:5000],
        "latin1.json": b'{"evalId": "\xe9"}',
        "nan.json": json.dumps(_row_with("latencyMs", float("nan"))).encode(),
        "inf.json": json.dumps(_row_with("score", float("inf")))
        .replace("Infinity", "1e999")
        .encode(),
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(DataError) as caught:
            promptfoo.read(path)
        assert caught.value.file == str(path), name
        assert caught.value.fix, name
    with pytest.raises(DataError) as caught:
        promptfoo.read(_write(tmp_path, {}, "x.json").parent)
    assert caught.value.fix
    with pytest.raises(DataError) as caught:
        promptfoo.read(tmp_path / "truncated.json")
    assert caught.value.line is not None


# --- fuzz -------------------------------------------------------------------------------


def _small(path: Path, rows: slice) -> bytes:
    doc = _doc(path)
    doc["results"]["results"] = doc["results"]["results"][rows]
    doc["config"]["tests"] = doc["config"]["tests"][:2]
    return json.dumps(doc, indent=2).encode()


SOURCES = [_small(CANDIDATE, slice(6, 10)), _small(REPEAT, slice(0, 4))]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


def _read_or_data_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.json"
        path.write_bytes(content)
        try:
            tasks = promptfoo.read(path)
        except DataError as exc:
            assert exc.file == str(path)
            return
    assert tasks and all(isinstance(t, ImportedTask) and t.items for t in tasks)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCES), cut=st.integers(0, 10**6), flips=st.data())
def test_fuzz_truncated_and_flipped_bytes(source: bytes, cut: int, flips: Any) -> None:
    content = bytearray(source[: cut % (len(source) + 1)])
    for _ in range(flips.draw(st.integers(0, 3))):
        if content:
            at = flips.draw(st.integers(0, len(content) - 1))
            content[at] = flips.draw(st.integers(0, 255))
    _read_or_data_error(bytes(content))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=st.sampled_from(SOURCES), data=st.data())
def test_fuzz_dropped_and_replaced_keys(source: bytes, data: Any) -> None:
    doc = json.loads(source)
    for _ in range(data.draw(st.integers(1, 3))):
        parent: Any = doc
        key: Any = None
        node: Any = doc
        while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, data.draw(st.sampled_from(keys))
            node = node[key]
        if key is None:
            continue
        if isinstance(parent, dict) and data.draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = data.draw(JSON_VALUES)
    _read_or_data_error(json.dumps(doc).encode())


# --- the tool itself --------------------------------------------------------------------


def _installed_promptfoo() -> Path | None:
    roots = [os.environ.get("VENV_ROOT"), "/tmp/clearance-tool-venvs", "/tmp/bench-venvs"]
    roots.append("/tmp/bench-npm")
    for root in roots:
        if root:
            binary = Path(root) / "promptfoo" / "node_modules" / ".bin" / "promptfoo"
            if binary.exists():
                return binary
    return None


@pytest.mark.slow
def test_make_sh_reruns_promptfoo_and_the_reader_reads_it(tmp_path: Path) -> None:
    binary = _installed_promptfoo()
    if binary is None or shutil.which("node") is None:
        pytest.skip(
            "promptfoo is not installed under VENV_ROOT, /tmp/clearance-tool-venvs, "
            "/tmp/bench-venvs or /tmp/bench-npm (<root>/promptfoo/node_modules/.bin)"
        )
    env = {**os.environ, "PROMPTFOO": str(binary), "OUT": str(tmp_path), "PYTHON": sys.executable}
    subprocess.run(["bash", str(HERE / "make.sh")], env=env, check=True, timeout=600)
    fresh = {p: _by_id(_one(tmp_path / p.name)) for p in (CANDIDATE, BASELINE, CHANGED)}
    for path, items in fresh.items():
        committed = _by_id(_one(path))
        assert {k: v.digest for k, v in items.items()} == {
            k: v.digest for k, v in committed.items()
        }
        assert {k: v.passed for k, v in items.items()} == {
            k: v.passed for k, v in committed.items()
        }
    assert [k for k, v in fresh[CANDIDATE].items() if v.error] == [ERRORED]
    assert [t.task for t in promptfoo.read(tmp_path / "both.json")] == ["candidate", "baseline"]

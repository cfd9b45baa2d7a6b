"""The lm-evaluation-harness reader, on files lm_eval 0.4.13 wrote against the stub."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import DataError
from clearance.imports import _lmeval
from clearance.imports._model import ImportedTask

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
HERE = FIXTURES / "lm-eval"
RUNS = ("candidate", "baseline", "baseline_changed")
QUESTION = re.compile(r"What is (-?\d+) ([+\-*]) (-?\d+)\?")


def results_file(run: str) -> Path:
    """The run's results_<datetime>.json (lm_eval's own name)."""
    (found,) = sorted((HERE / run).glob("results_*.json"))
    return found


def samples_file(run: str) -> Path:
    """The run's samples_arith_<datetime>.jsonl (lm_eval's own name)."""
    (found,) = sorted((HERE / run).glob("samples_arith_*.jsonl"))
    return found


def only_task(path: Path) -> ImportedTask:
    """The single task read from ``path``."""
    (task,) = _lmeval.read(path)
    return task


def items_of(path: Path) -> list[dict[str, str]]:
    """An item set of the fixtures, in file order."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def stub_wrong(model: str, text: str) -> bool:
    """Whether the stub answers ``text`` wrongly for ``model`` (its rule, restated)."""
    match = QUESTION.search(text)
    assert match is not None
    bucket = int(hashlib.sha256(match.group(0).encode()).hexdigest()[:8], 16) % 100
    if model == "baseline-model":
        return bucket < 14
    return bucket < 8 or bucket >= 96


def copy_run(run: str, dest: Path) -> tuple[Path, Path]:
    """The run's results and samples files copied into ``dest`` under their own names."""
    dest.mkdir(parents=True, exist_ok=True)
    results = Path(shutil.copy(results_file(run), dest))
    samples = Path(shutil.copy(samples_file(run), dest))
    return results, samples


def rewrite_lines(path: Path, change: Any) -> None:
    """Rewrite a samples file, each line's object passed through ``change``."""
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    path.write_text("".join(json.dumps(change(row)) + "\n" for row in rows))


# ---------------------------------------------------------------------------
# the committed fixtures


@pytest.mark.parametrize(
    ("run", "model", "count"),
    [("candidate", "candidate-model", 100), ("baseline", "baseline-model", 100)],
)
def test_task_model_version_and_scorers_are_read(run: str, model: str, count: int) -> None:
    task = only_task(results_file(run))
    assert task.tool == "lm-eval"
    assert task.task == "arith"
    assert task.version == "1.0"
    assert task.model == model
    assert task.scorers == ("exact_match",)
    assert len(task.items) == count
    assert task.source == str(samples_file(run))
    assert task.notes == ()


@pytest.mark.parametrize("run", RUNS)
def test_results_file_samples_file_and_folders_read_the_same(run: str) -> None:
    by_results = _lmeval.read(results_file(run))
    assert _lmeval.read(samples_file(run)) == by_results
    assert _lmeval.read(HERE / run) == by_results


def test_output_path_folder_with_the_model_subfolder_is_read(tmp_path: Path) -> None:
    copy_run("candidate", tmp_path / "candidate-model")
    (task,) = _lmeval.read(tmp_path)
    assert task.model == "candidate-model"
    assert len(task.items) == 100


def test_pairing_keys_and_digests_match_between_candidate_and_baseline() -> None:
    candidate = only_task(HERE / "candidate")
    baseline = only_task(HERE / "baseline")
    assert [(i.sample_id, i.repeat) for i in candidate.items] == [(str(n), 0) for n in range(100)]
    assert [(i.sample_id, i.repeat) for i in baseline.items] == [
        (i.sample_id, i.repeat) for i in candidate.items
    ]
    assert [i.digest for i in baseline.items] == [i.digest for i in candidate.items]
    assert len({i.digest for i in candidate.items}) == 100


def test_changed_item_has_another_digest_and_the_missing_one_is_absent() -> None:
    baseline = {i.sample_id: i for i in only_task(HERE / "baseline").items}
    changed = {i.sample_id: i for i in only_task(HERE / "baseline_changed").items}
    assert set(baseline) - set(changed) == {"99"}
    differ = {key for key, item in changed.items() if item.digest != baseline[key].digest}
    assert differ == {"7"}
    assert changed["7"].details["doc_id_field"] == "q007"
    assert changed["7"].target == "99"


@pytest.mark.parametrize(
    ("run", "model", "items_name", "right"),
    [
        ("candidate", "candidate-model", "items.jsonl", 87),
        ("baseline", "baseline-model", "items.jsonl", 86),
        ("baseline_changed", "baseline-model", "items_changed.jsonl", 86),
    ],
)
def test_scores_and_passed_are_what_the_stub_did(
    run: str, model: str, items_name: str, right: int
) -> None:
    task = only_task(HERE / run)
    items = items_of(FIXTURES / items_name)
    assert len(task.items) == len(items)
    for item, source in zip(task.items, items, strict=True):
        expected = not stub_wrong(model, source["input"])
        assert item.passed is expected, source["id"]
        assert item.scores == {"exact_match": 1.0 if expected else 0.0}
        assert item.prompt == source["input"]
        assert item.target == source["target"]
        assert item.details["doc_id_field"] == source["id"]
        assert item.error is None  # lm_eval records no per-item error: it aborts instead
        assert item.output is not None
        assert (item.output == source["target"]) is expected
    assert sum(bool(i.passed) for i in task.items) == right


def test_the_tools_hashes_are_kept_as_details() -> None:
    item = only_task(HERE / "candidate").items[0]
    row = json.loads(samples_file("candidate").read_text().splitlines()[0])
    assert item.details["doc_hash"] == row["doc_hash"]
    assert item.details["target_hash"] == row["target_hash"]
    assert item.details["prompt_hash"] == row["prompt_hash"]


# ---------------------------------------------------------------------------
# shapes lm_eval can write that the fixtures do not show


def test_a_samples_file_alone_reads_without_version_or_model(tmp_path: Path) -> None:
    results, samples = copy_run("baseline", tmp_path)
    results.unlink()
    task = only_task(samples)
    assert (task.task, task.version, task.model) == ("arith", None, None)
    assert sum(bool(i.passed) for i in task.items) == 86


def test_each_filter_is_its_own_task(tmp_path: Path) -> None:
    results, samples = copy_run("candidate", tmp_path)
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    strict = [{**row, "filter": "strict-match"} for row in rows]
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows + strict))
    tasks = _lmeval.read(results)
    assert [t.task for t in tasks] == ["arith", "arith/strict-match"]
    assert [i.digest for i in tasks[0].items] == [i.digest for i in tasks[1].items]


def test_other_metrics_follow_the_primary_and_non_binary_primary_has_no_passed(
    tmp_path: Path,
) -> None:
    results, samples = copy_run("candidate", tmp_path)
    rng = random.Random(3)

    def change(row: dict[str, Any]) -> dict[str, Any]:
        return {
            **row,
            "metrics": ["bleu", "exact_match", "f1", "pair"],
            "bleu": rng.random(),
            "f1": True,
            "pair": ["ref", "pred"],
            "exact_match": row["exact_match"] * 0.5,
        }

    rewrite_lines(samples, change)
    task = only_task(results)
    assert task.scorers == ("exact_match", "bleu", "f1")
    assert all(i.passed is None for i in task.items)
    assert all(i.scores["f1"] == 1.0 for i in task.items)


def test_a_primary_metric_without_item_values_is_noted(tmp_path: Path) -> None:
    results, samples = copy_run("candidate", tmp_path)
    rewrite_lines(samples, lambda row: {**row, "metrics": ["acc"], "acc": row["exact_match"]})
    task = only_task(results)
    assert task.scorers == ("acc",)
    assert "exact_match" in task.notes[0]
    assert sum(bool(i.passed) for i in task.items) == 87


def test_model_falls_back_to_model_args(tmp_path: Path) -> None:
    results, _ = copy_run("baseline", tmp_path)
    data = json.loads(results.read_text())
    del data["model_name"]
    data["config"]["model_args"] = "pretrained=org/some-model,dtype=float16"
    results.write_text(json.dumps(data))
    assert only_task(results).model == "org/some-model"


def test_a_limited_run_is_noted(tmp_path: Path) -> None:
    results, _ = copy_run("baseline", tmp_path)
    data = json.loads(results.read_text())
    data["n-samples"]["arith"] = {"original": 1000, "effective": 100}
    results.write_text(json.dumps(data))
    assert only_task(results).notes == ("lm_eval ran 100 of the task's 1000 documents (--limit)",)


# ---------------------------------------------------------------------------
# bad inputs


def assert_data_error(path: Path, *, words: str, file: Path | None = None) -> DataError:
    """``read(path)`` raises a DataError naming the file, with a fix, saying ``words``."""
    with pytest.raises(DataError) as caught:
        _lmeval.read(path)
    error = caught.value
    assert error.file == str(file or path)
    assert error.fix
    assert words in str(error)
    return error


def test_missing_samples_file_asks_for_log_samples(tmp_path: Path) -> None:
    results, samples = copy_run("candidate", tmp_path)
    samples.unlink()
    error = assert_data_error(results, words="no samples file")
    assert error.fix is not None
    assert "--log_samples" in error.fix


def test_a_folder_must_hold_exactly_one_results_file(tmp_path: Path) -> None:
    assert_data_error(tmp_path, words="no lm-eval results file")
    copy_run("candidate", tmp_path / "a" / "candidate-model")
    copy_run("baseline", tmp_path / "a" / "baseline-model")
    assert_data_error(tmp_path / "a", words="2 results files")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ("[1, 2]", "not an lm-eval results file"),
        ('{"results": {}, "configs": []}', "'configs' is not an object"),
        ('{"results": {}, "configs": {}}', "names no task"),
        ('{"results": {}, "configs": {"arith": 3}}', "config is not an object"),
    ],
)
def test_bad_results_files(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "results_2026-01-01T00-00-00.json"
    path.write_text(text)
    assert_data_error(path, words=words)


def test_results_file_name_without_datetime(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    shutil.copy(results_file("candidate"), path)
    assert_data_error(path, words="_<datetime>")


def test_unreadable_files(tmp_path: Path) -> None:
    assert_data_error(tmp_path / "results_x.json", words="cannot read")
    assert_data_error(tmp_path / "samples_arith_x.jsonl", words="cannot read")
    binary = tmp_path / "samples_arith_y.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage\n")
    assert_data_error(binary, words="cannot read")


@pytest.mark.parametrize(
    ("change", "words", "key"),
    [
        (lambda row: [row], "not a JSON object", None),
        (lambda row: {k: v for k, v in row.items() if k != "doc_id"}, "'doc_id'", "doc_id"),
        (lambda row: {**row, "doc_id": "7"}, "'doc_id'", "doc_id"),
        (lambda row: {**row, "doc_id": True}, "'doc_id'", "doc_id"),
        (lambda row: {**row, "doc_hash": None}, "'doc_hash'", "doc_hash"),
        (lambda row: {k: v for k, v in row.items() if k != "filter"}, "'filter'", "filter"),
        (lambda row: {**row, "metrics": "exact_match"}, "'metrics'", "metrics"),
        (lambda row: {**row, "filtered_resps": "52"}, "'filtered_resps'", "filtered_resps"),
        (lambda row: {**row, "doc_id": 0}, "appears twice", "doc_id"),
    ],
)
def test_bad_samples_lines(tmp_path: Path, change: Any, words: str, key: str | None) -> None:
    _, samples = copy_run("candidate", tmp_path)
    lines = samples.read_text().splitlines()
    lines[3] = json.dumps(change(json.loads(lines[3])))
    samples.write_text("\n".join(lines) + "\n")
    error = assert_data_error(samples, words=words)
    assert error.line == 4
    assert error.path == key


def test_an_empty_samples_file_has_no_items(tmp_path: Path) -> None:
    results, samples = copy_run("candidate", tmp_path)
    samples.write_text("\n")
    assert_data_error(results, words="no items", file=samples)


# ---------------------------------------------------------------------------
# recognising


def test_recognises_its_own_files_and_folders() -> None:
    for run in RUNS:
        assert _lmeval.recognises(results_file(run))
        assert _lmeval.recognises(samples_file(run))
        assert _lmeval.recognises(HERE / run)


def test_does_not_recognise_other_files(tmp_path: Path) -> None:
    promptfoo_like = tmp_path / "output.json"
    promptfoo_like.write_text(json.dumps({"evalId": "x", "results": {"results": []}}))
    broken = tmp_path / "results_x.json"
    broken.write_bytes(b"\xff{")
    for path in (
        FIXTURES / "items.jsonl",
        HERE / "arith.yaml",
        promptfoo_like,
        broken,
        tmp_path / "missing.json",
        tmp_path,
    ):
        assert not _lmeval.recognises(path), path


# ---------------------------------------------------------------------------
# fuzzing the real files

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
RESULT_KEYS = ("results", "configs", "versions", "model_name", "config", "n-samples")
SAMPLE_KEYS = (
    *("doc_id", "doc_hash", "target_hash", "filter", "metrics", "filtered_resps"),
    *("exact_match", "arguments", "target", "prompt_hash", "doc"),
)


def check(path: Path) -> None:
    """Reading ``path`` gives tasks of items, or a DataError, and nothing else."""
    try:
        tasks = _lmeval.read(path)
    except DataError as error:
        assert error.file
        assert error.fix
        return
    assert tasks
    for task in tasks:
        assert task.items
        assert all(isinstance(v, float) for i in task.items for v in i.scores.values())
    _lmeval.recognises(path)


def mutate_object(data: Any, draw: st.DrawFn, keys: tuple[str, ...]) -> Any:
    """``data`` with a key dropped or replaced by a random JSON value."""
    if not isinstance(data, dict):
        return draw(JSON_VALUES)
    key = draw(st.sampled_from(keys))
    if draw(st.booleans()):
        data.pop(key, None)
    else:
        data[key] = draw(JSON_VALUES)
    return data


def mutate_bytes(raw: bytes, draw: st.DrawFn) -> bytes:
    """``raw`` truncated or with bytes flipped."""
    if draw(st.booleans()):
        return raw[: draw(st.integers(0, len(raw)))]
    out = bytearray(raw)
    for _ in range(draw(st.integers(1, 5))):
        spot = draw(st.integers(0, len(out) - 1))
        out[spot] ^= draw(st.integers(1, 255))
    return bytes(out)


@st.composite
def mutated_run(draw: st.DrawFn) -> tuple[str, bytes, bytes]:
    """A fixture run's results and samples bytes, one of them mutated."""
    run = draw(st.sampled_from(RUNS))
    results = results_file(run).read_bytes()
    samples = samples_file(run).read_bytes()
    target = draw(st.sampled_from(["results-bytes", "results-keys", "samples-bytes", "line"]))
    if target == "results-bytes":
        results = mutate_bytes(results, draw)
    elif target == "results-keys":
        data = mutate_object(json.loads(results), draw, RESULT_KEYS)
        results = json.dumps(data).encode()
    elif target == "samples-bytes":
        samples = mutate_bytes(samples, draw)
    else:
        lines = samples.decode().splitlines()
        spot = draw(st.integers(0, len(lines) - 1))
        lines[spot] = json.dumps(mutate_object(json.loads(lines[spot]), draw, SAMPLE_KEYS))
        samples = ("\n".join(lines) + "\n").encode()
    return run, results, samples


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_run(), st.sampled_from(["results", "samples", "folder"]))
def test_mutated_fixtures_give_data_error_or_tasks(
    case: tuple[str, bytes, bytes], entry: str
) -> None:
    run, results, samples = case
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        results_path = folder / results_file(run).name
        samples_path = folder / samples_file(run).name
        results_path.write_bytes(results)
        samples_path.write_bytes(samples)
        check({"results": results_path, "samples": samples_path, "folder": folder}[entry])


# ---------------------------------------------------------------------------
# the tool itself


def tool_venv_root() -> Path | None:
    """Where an lm-eval venv with lm_eval is installed, if anywhere."""
    roots = [os.environ.get("VENV_ROOT"), "/tmp/clearance-tool-venvs", "/tmp/bench-venvs"]
    for root in roots:
        if root and (Path(root) / "lmeval" / "bin" / "lm_eval").is_file():
            return Path(root)
    return None


@pytest.mark.slow
def test_make_sh_runs_the_tool_and_its_output_reads(tmp_path: Path) -> None:
    root = tool_venv_root()
    if root is None:
        pytest.skip(
            "lm-eval is not installed (VENV_ROOT, /tmp/clearance-tool-venvs, /tmp/bench-venvs)"
        )
    env = {**os.environ, "VENV_ROOT": str(root), "OUT": str(tmp_path)}
    subprocess.run(["bash", str(HERE / "make.sh")], env=env, check=True, timeout=280)
    candidate = only_task(tmp_path / "candidate")
    baseline = only_task(tmp_path / "baseline")
    changed = only_task(tmp_path / "baseline_changed")
    assert (candidate.model, baseline.model) == ("candidate-model", "baseline-model")
    assert sum(bool(i.passed) for i in candidate.items) == 87
    assert sum(bool(i.passed) for i in baseline.items) == 86
    assert [i.digest for i in candidate.items] == [i.digest for i in baseline.items]
    assert len(changed.items) == 99
    assert [i.digest for i in changed.items] == [
        i.digest for i in only_task(HERE / "baseline_changed").items
    ]

"""The Inspect AI reader on logs Inspect wrote (tests/fixtures/imports/inspect, made by
its make.sh against the stub endpoint) and on hand-made logs for what the fixtures lack."""

from __future__ import annotations

import copy
import importlib.util
import io
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.errors import DataError
from clearance.imports import _inspect
from clearance.imports._model import ImportedTask

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"
HERE = FIXTURES / "inspect"
CANDIDATE = HERE / "candidate.eval"
CANDIDATE_JSON = HERE / "candidate.json"
BASELINE = HERE / "baseline.eval"
CHANGED = HERE / "baseline_changed.eval"
ERRORED = "q008"  # the item the stub's --errors fails for candidate-model (bucket 50)


def _stub() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_stub", FIXTURES / "stub.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _items(name: str = "items.jsonl") -> list[dict[str, str]]:
    lines = (FIXTURES / name).read_text().splitlines()
    return [json.loads(line) for line in lines if line]


def _right(model: str) -> set[str]:
    """The ids the stub answers right for ``model`` (before any injected error)."""
    stub = _stub()
    return {row["id"] for row in _items() if stub.answer(model, row["input"])[0] == row["target"]}


def _one(path: Path) -> ImportedTask:
    tasks = _inspect.read(path)
    assert len(tasks) == 1
    return tasks[0]


def _by_key(task: ImportedTask) -> dict[tuple[str, int], Any]:
    return {(item.sample_id, item.repeat): item for item in task.items}


# ---------------------------------------------------------------------------
# the logs Inspect wrote


def test_fixtures_are_zstd_zip_logs_of_modest_size() -> None:
    for path in (CANDIDATE, BASELINE, CHANGED):
        with zipfile.ZipFile(path) as archive:
            methods = {info.compress_type for info in archive.infolist()}
            names = archive.namelist()
        assert methods == {93}  # zstd: why the reader needs zstandard on Python 3.11
        assert "header.json" in names and "_journal/start.json" in names
        assert path.stat().st_size < 400_000
    assert CANDIDATE_JSON.stat().st_size < 400_000


@pytest.mark.parametrize("path", [CANDIDATE, CANDIDATE_JSON, BASELINE, CHANGED])
def test_recognises_the_logs(path: Path) -> None:
    assert _inspect.recognises(path)


@pytest.mark.parametrize(
    "name", ["items.jsonl", "stub.py", "inspect/arith_task.py", "inspect/make.sh"]
)
def test_does_not_recognise_other_files(name: str) -> None:
    assert not _inspect.recognises(FIXTURES / name)


def test_does_not_recognise_other_json_or_zip(tmp_path: Path) -> None:
    other = tmp_path / "results.json"
    other.write_text(json.dumps({"results": {"arith": {"acc": 1}}, "versions": {}}))
    assert not _inspect.recognises(other)
    fake = tmp_path / "log.eval"
    fake.write_text("not a zip")
    assert not _inspect.recognises(fake)
    assert not _inspect.recognises(tmp_path / "missing.eval")
    assert not _inspect.recognises(tmp_path)


def test_header_fields() -> None:
    for path, model in [
        (CANDIDATE, "candidate-model"),
        (CANDIDATE_JSON, "candidate-model"),
        (BASELINE, "baseline-model"),
        (CHANGED, "baseline-model"),
    ]:
        task = _one(path)
        assert task.tool == "inspect"
        assert task.task == "arith"
        assert task.version == "1"
        assert task.model == f"openai-api/stub/{model}"
        assert task.scorers == ("exact",)
        assert task.source == str(path)
        assert task.notes == ()


def test_items_are_in_dataset_order() -> None:
    ids = [row["id"] for row in _items()]
    assert [item.sample_id for item in _one(CANDIDATE).items] == ids
    assert [item.sample_id for item in _one(BASELINE).items] == ids
    assert [item.sample_id for item in _one(CANDIDATE_JSON).items] == ids[:20]
    assert {item.repeat for item in _one(CANDIDATE).items} == {0}


def test_pairing_keys_and_digests_match_across_runs() -> None:
    candidate, baseline = _by_key(_one(CANDIDATE)), _by_key(_one(BASELINE))
    assert candidate.keys() == baseline.keys()
    assert all(candidate[key].digest == baseline[key].digest for key in candidate)
    assert len({item.digest for item in candidate.values()}) == 100


def test_changed_items_are_found() -> None:
    baseline, changed = _by_key(_one(BASELINE)), _by_key(_one(CHANGED))
    assert set(baseline) - set(changed) == {("q099", 0)}
    differ = {key for key in changed if changed[key].digest != baseline[key].digest}
    assert differ == {("q007", 0)}
    assert changed[("q007", 0)].prompt == "What is 41 + 58? Answer with the number only."
    assert changed[("q007", 0)].target == "99"


def test_scores_match_what_the_stub_answered() -> None:
    baseline = _one(BASELINE)
    right = _right("baseline-model")
    assert len(right) == 86
    assert {item.sample_id for item in baseline.items if item.passed} == right
    for item in baseline.items:
        assert item.scores == {"exact": 1.0 if item.sample_id in right else 0.0}
        assert item.passed is (item.sample_id in right)
        assert item.error is None

    candidate = _one(CANDIDATE)
    right = _right("candidate-model")
    assert len(right) == 87 and ERRORED in right
    assert {item.sample_id for item in candidate.items if item.passed} == right - {ERRORED}
    scored = [item for item in candidate.items if item.error is None]
    assert len(scored) == 99
    assert sum(item.scores["exact"] for item in scored) == 86


def test_the_error_stays_an_error() -> None:
    for path in (CANDIDATE, CANDIDATE_JSON):
        errored = [item for item in _one(path).items if item.error is not None]
        assert [item.sample_id for item in errored] == [ERRORED]
        item = errored[0]
        assert item.scores == {}
        assert item.passed is None
        assert item.output is None
        assert item.error is not None and "InternalServerError" in item.error
        chain = item.details["error.exceptions"]
        assert any("stub: injected server error" in line for line in chain)
        assert item.prompt is not None and item.target is not None


def test_item_fields() -> None:
    rows = {row["id"]: row for row in _items()}
    stub = _stub()
    for item in _one(BASELINE).items:
        row = rows[item.sample_id]
        assert item.prompt == row["input"]
        assert item.target == row["target"]
        assert item.output == stub.answer("baseline-model", row["input"])[0]
        assert item.details["exact.answer"] == item.output
        assert item.input_tokens is not None and item.input_tokens > 0
        assert item.output_tokens is not None and item.output_tokens >= 1
        assert item.latency_ms is not None and 0 < item.latency_ms < 60_000
        assert item.cost_usd is None  # the stub's model has no price in Inspect
        assert item.category is None


def test_json_log_agrees_with_eval_log() -> None:
    from_json, from_eval = _by_key(_one(CANDIDATE_JSON)), _by_key(_one(CANDIDATE))
    assert len(from_json) == 20
    for key, item in from_json.items():
        other = from_eval[key]
        assert (item.digest, item.scores, item.passed, item.output, item.prompt) == (
            other.digest,
            other.scores,
            other.passed,
            other.output,
            other.prompt,
        )


def test_reads_a_log_folder(tmp_path: Path) -> None:
    for path in (CANDIDATE, BASELINE):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "notes.txt").write_text("not a log")
    assert _inspect.recognises(tmp_path)
    tasks = _inspect.read(tmp_path)
    assert [task.model for task in tasks] == [
        "openai-api/stub/baseline-model",
        "openai-api/stub/candidate-model",
    ]


def test_an_empty_folder_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as caught:
        _inspect.read(tmp_path)
    assert caught.value.file == str(tmp_path) and caught.value.fix


# ---------------------------------------------------------------------------
# hand-made logs: what the fixtures do not show


def _fixture_members(path: Path = CANDIDATE) -> dict[str, Any]:
    """The header and samples of a fixture log, as JSON values."""
    raw = path.read_bytes()
    infos = _inspect._zip_members(path, raw)
    return {
        name: json.loads(_inspect._member_bytes(path, raw, info))
        for name, info in infos.items()
        if name == "header.json" or name.startswith("samples/q00")
    }


def _write_eval(path: Path, members: dict[str, Any], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, value in members.items():
            archive.writestr(name, value if isinstance(value, bytes) else json.dumps(value))
    return path


def _sample(members: dict[str, Any], sample_id: str = "q000") -> dict[str, Any]:
    return copy.deepcopy(members[f"samples/{sample_id}_epoch_1.json"])


def test_deflated_and_stored_members_are_read(tmp_path: Path) -> None:
    members = _fixture_members()
    for method in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        task = _one(_write_eval(tmp_path / f"{method}.eval", members, method))
        assert [item.sample_id for item in task.items][:3] == ["q000", "q001", "q002"]
        assert len(task.items) == 10
        assert task.notes == ("90 of the dataset's 100 samples have no record in the log",)


def test_score_values_of_every_kind(tmp_path: Path) -> None:
    members = _fixture_members()
    header = members["header.json"]
    header["results"]["scores"] = [
        {"name": "acc", "scorer": "graded"},
        {"name": "exact", "scorer": "exact"},
    ]
    sample = _sample(members)
    sample["scores"] = {
        "exact": {"value": "P", "explanation": "half"},
        "graded": {"value": {"acc": 0.25, "note": "text", "ok": True}},
        "flag": {"value": False},
        "number": {"value": 3},
        "word": {"value": "yes"},
        "numeric_text": {"value": "0.75"},
        "unscored": {"value": float("nan")},
        "listed": {"value": [1, 2]},
        "other": {"value": "maybe"},
    }
    log = {"header.json": header, "samples/q000_epoch_1.json": sample}
    task = _one(_write_eval(tmp_path / "scores.eval", log))
    item = task.items[0]
    assert item.scores == {
        "exact": 0.5,
        "graded.acc": 0.25,
        "graded.ok": 1.0,
        "flag": 0.0,
        "number": 3.0,
        "word": 1.0,
        "numeric_text": 0.75,
    }
    assert item.passed is False  # the first scorer's P is not a pass
    assert item.details["exact.explanation"] == "half"
    assert task.scorers[:2] == ("graded.acc", "exact")
    assert set(task.scorers) == set(item.scores)


@pytest.mark.parametrize(("value", "passed"), [("C", True), ("I", False), (True, True), (1, None)])
def test_passed_comes_from_the_first_scorer(tmp_path: Path, value: Any, passed: Any) -> None:
    members = _fixture_members()
    sample = _sample(members)
    sample["scores"] = {"main": {"value": value}, "other": {"value": "C"}}
    log = {"header.json": members["header.json"], "samples/q000_epoch_1.json": sample}
    assert _one(_write_eval(tmp_path / "p.eval", log)).items[0].passed is passed


def test_chat_inputs_digest_without_message_ids(tmp_path: Path) -> None:
    members = _fixture_members()
    digests = []
    for index, message_id in enumerate(["aaa", "bbb"]):
        sample = _sample(members)
        sample["input"] = [
            {"id": message_id, "role": "system", "content": "Be brief."},
            {"id": message_id + "2", "role": "user", "content": [{"type": "text", "text": "Hi"}]},
        ]
        sample["target"] = ["hello", "hi"]
        sample["choices"] = ["hello", "hi"]
        log = {"header.json": members["header.json"], "samples/q000_epoch_1.json": sample}
        item = _one(_write_eval(tmp_path / f"{index}.eval", log)).items[0]
        digests.append(item.digest)
        assert item.prompt == "system: Be brief.\n\nuser: Hi"
        assert item.target == "hello\nhi"
    assert digests[0] == digests[1]
    assert digests[0] != _one(CANDIDATE).items[0].digest


def test_attachments_are_resolved_for_the_digest(tmp_path: Path) -> None:
    members = _fixture_members()
    sample = _sample(members)
    text = sample["input"]
    sample["input"] = "attachment://abc"
    sample["attachments"] = {"abc": text}
    log = {"header.json": members["header.json"], "samples/q000_epoch_1.json": sample}
    item = _one(_write_eval(tmp_path / "a.eval", log)).items[0]
    assert item.prompt == text
    assert item.digest == _one(CANDIDATE).items[0].digest


def test_integer_ids_epochs_and_usage(tmp_path: Path) -> None:
    members = _fixture_members()
    header = members["header.json"]
    header["eval"]["dataset"]["sample_ids"] = [7, 3]
    log: dict[str, Any] = {"header.json": header}
    for sample_id in (3, 7):
        for epoch in (1, 2):
            sample = _sample(members)
            sample["id"], sample["epoch"] = sample_id, epoch
            sample["metadata"] = {"category": "sums"}
            sample["limit"] = {"type": "token", "limit": 10}
            sample["model_usage"] = {
                "openai-api/stub/candidate-model": {"input_tokens": 5, "output_tokens": 2},
                "grader": {"input_tokens": 50, "output_tokens": 20, "total_cost": 0.5},
            }
            sample.pop("working_time")
            log[f"samples/{sample_id}_epoch_{epoch}.json"] = sample
    task = _one(_write_eval(tmp_path / "ids.eval", log))
    assert [(item.sample_id, item.repeat) for item in task.items] == [
        ("7", 0),
        ("7", 1),
        ("3", 0),
        ("3", 1),
    ]
    item = task.items[0]
    assert (item.input_tokens, item.output_tokens, item.cost_usd) == (5, 2, None)
    assert item.category == "sums"
    assert item.details["limit"] == {"type": "token", "limit": 10}
    assert item.latency_ms == pytest.approx(sample["total_time"] * 1000)

    header["eval"]["model"] = "another"
    log["header.json"] = header
    item = _one(_write_eval(tmp_path / "ids2.eval", log)).items[0]
    assert (item.input_tokens, item.output_tokens, item.cost_usd) == (55, 22, 0.5)


def test_unfinished_and_failed_runs_are_noted(tmp_path: Path) -> None:
    members = _fixture_members()
    header = members["header.json"]
    samples = {k: v for k, v in members.items() if k.startswith("samples/")}
    start = {"version": 2, "eval": header["eval"], "plan": header["plan"]}
    task = _one(_write_eval(tmp_path / "running.eval", {"_journal/start.json": start} | samples))
    assert "no header.json" in task.notes[0]
    assert "90 of the dataset's 100 samples have no record" in task.notes[1]
    assert task.scorers == ("exact",)

    header["status"] = "error"
    header["error"] = {"message": "boom", "traceback": ""}
    task = _one(_write_eval(tmp_path / "failed.eval", {"header.json": header} | samples))
    assert task.notes[0] == "the run's status is 'error', not 'success': boom"


def _expect_error(path: Path, *words: str) -> DataError:
    with pytest.raises(DataError) as caught:
        _inspect.read(path)
    error = caught.value
    assert error.file == str(path)
    assert error.fix
    for word in words:
        assert word in str(error)
    return error


def test_bad_logs_are_data_errors(tmp_path: Path) -> None:
    members = _fixture_members()
    header = members["header.json"]
    sample = _sample(members)

    _expect_error(_write_eval(tmp_path / "empty.eval", {"header.json": header}), "no samples")
    _expect_error(_write_eval(tmp_path / "nohead.eval", {"x.json": {}}), "header.json")
    duplicate = {"header.json": header, "samples/a.json": sample, "samples/b.json": sample}
    _expect_error(_write_eval(tmp_path / "dup.eval", duplicate), "two samples")
    bad_json = {"header.json": b"{not json", "samples/q000_epoch_1.json": sample}
    _expect_error(_write_eval(tmp_path / "bad.eval", bad_json), "not valid JSON", "header.json")
    not_utf8 = {"header.json": b"\xff\xfe", "samples/q000_epoch_1.json": sample}
    _expect_error(_write_eval(tmp_path / "utf.eval", not_utf8), "UTF-8")

    no_task = copy.deepcopy(header)
    del no_task["eval"]["task"]
    log = {"header.json": no_task, "samples/q000_epoch_1.json": sample}
    error = _expect_error(_write_eval(tmp_path / "task.eval", log), "'task'")
    assert error.path == "header.json:eval.task"

    for key, value, words in [
        ("epoch", 0, "epoch"),
        ("id", None, "'id'"),
        ("id", 1.5, "sample id"),
        ("scores", [1], "expected an object"),
        ("input", 3, "input"),
        ("target", {"a": 1}, "target"),
        ("model_usage", {"m": {"input_tokens": -1}}, "count"),
        ("working_time", "slow", "number"),
    ]:
        broken = copy.deepcopy(sample)
        broken[key] = value
        log = {"header.json": header, "samples/q000_epoch_1.json": broken}
        error = _expect_error(_write_eval(tmp_path / f"{key}.eval", log), *words)
        assert error.path is not None and error.path.startswith("samples/q000_epoch_1.json")


def test_damaged_files_are_data_errors(tmp_path: Path) -> None:
    raw = CANDIDATE.read_bytes()
    truncated = tmp_path / "truncated.eval"
    truncated.write_bytes(raw[: len(raw) // 2])
    _expect_error(truncated, "damaged")
    not_zip = tmp_path / "text.eval"
    not_zip.write_text("hello")
    _expect_error(not_zip, "not a ZIP")
    flipped = bytearray(raw)
    flipped[2000] ^= 0xFF  # inside the first sample's zstd data
    damaged = tmp_path / "flipped.eval"
    damaged.write_bytes(bytes(flipped))
    _expect_error(damaged, "damaged")
    _expect_error(tmp_path / "missing.eval", "cannot read")
    other = tmp_path / "log.txt"
    other.write_text("{}")
    _expect_error(other, "neither .eval nor .json")


def test_bad_json_logs_are_data_errors(tmp_path: Path) -> None:
    text = CANDIDATE_JSON.read_text()
    broken = tmp_path / "broken.json"
    broken.write_text(text[:5000])
    error = _expect_error(broken, "not valid JSON")
    assert error.line is not None
    log = json.loads(text)
    del log["samples"]
    nosamples = tmp_path / "nosamples.json"
    nosamples.write_text(json.dumps(log))
    _expect_error(nosamples, "no samples")
    log = json.loads(text)
    log["samples"][3]["scores"] = "C"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(log))
    error = _expect_error(bad, "expected an object")
    assert error.path == "samples[3].scores"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"results": {}, "samples": []}))
    _expect_error(other, "not an Inspect AI log")
    top = tmp_path / "list.json"
    top.write_text("[1, 2]")
    _expect_error(top, "expected an object")


# ---------------------------------------------------------------------------
# fuzzing: damaged real logs give a DataError or a valid result, nothing else

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=5,
)
SMALL = _fixture_members()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:3]):
            found += _paths(child, (*prefix, index))
    return found


def _mutate(root: Any, path: tuple[Any, ...], drop: bool, value: Any) -> Any:
    if not path:
        return value
    parent = root
    for key in path[:-1]:
        parent = parent[key]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return root


def _check(read: Callable[[], list[ImportedTask]]) -> None:
    try:
        tasks = read()
    except DataError as error:
        assert error.file and error.fix
        return
    for task in tasks:
        assert task.items and isinstance(task.task, str)
        for item in task.items:
            assert item.sample_id and item.repeat >= 0 and len(item.digest) == 64
            assert all(isinstance(v, float) for v in item.scores.values())
            if item.error is not None:
                assert item.scores == {} and item.passed is None


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=st.data(), drop=st.booleans(), value=JSON_VALUES)
def test_fuzz_eval_members(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, drop: bool, value: Any
) -> None:
    members = copy.deepcopy(SMALL)
    name = data.draw(st.sampled_from(sorted(members)))
    path = data.draw(st.sampled_from(_paths(members[name])))
    members[name] = _mutate(members[name], path, drop, value)
    out = tmp_path_factory.mktemp("fuzz") / "log.eval"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            archive.writestr(member, json.dumps(content))
    out.write_bytes(buffer.getvalue())
    _check(lambda: _inspect.read(out))


@FUZZ
@given(data=st.data(), drop=st.booleans(), value=JSON_VALUES)
def test_fuzz_json_log(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject, drop: bool, value: Any
) -> None:
    log = json.loads(CANDIDATE_JSON.read_text())
    log["samples"] = log["samples"][7:10]  # q007, q008 (the error), q009
    for sample in log["samples"]:
        sample.pop("events", None)
    path = data.draw(st.sampled_from(_paths(log)))
    log = _mutate(log, path, drop, value)
    out = tmp_path_factory.mktemp("fuzz") / "log.json"
    out.write_text(json.dumps(log))
    _check(lambda: _inspect.read(out))


RAW = CANDIDATE.read_bytes()


@FUZZ
@given(
    cut=st.integers(0, len(RAW)),
    flips=st.lists(st.tuples(st.integers(0, len(RAW) - 1), st.integers(1, 255)), max_size=4),
)
def test_fuzz_eval_bytes(
    tmp_path_factory: pytest.TempPathFactory, cut: int, flips: list[tuple[int, int]]
) -> None:
    raw = bytearray(RAW)
    for index, mask in flips:
        raw[index] ^= mask
    out = tmp_path_factory.mktemp("fuzz") / "log.eval"
    out.write_bytes(bytes(raw[:cut]))
    _check(lambda: _inspect.read(out))


@FUZZ
@given(cut=st.integers(0, 20_000), flip=st.integers(0, 19_999), mask=st.integers(0, 255))
def test_fuzz_json_bytes(
    tmp_path_factory: pytest.TempPathFactory, cut: int, flip: int, mask: int
) -> None:
    raw = bytearray(CANDIDATE_JSON.read_bytes()[:20_000])
    raw[flip] ^= mask
    out = tmp_path_factory.mktemp("fuzz") / "log.json"
    out.write_bytes(bytes(raw[:cut]))
    _check(lambda: _inspect.read(out))


# ---------------------------------------------------------------------------
# the tool itself, when installed


def _tool_venv_root() -> Path | None:
    roots = [os.environ.get("VENV_ROOT"), "/tmp/clearance-tool-venvs", "/tmp/bench-venvs"]
    for root in roots:
        if root and (Path(root) / "inspect" / "bin" / "inspect").is_file():
            return Path(root)
    return None


@pytest.mark.slow
def test_make_sh_writes_logs_the_reader_reads(tmp_path: Path) -> None:
    root = _tool_venv_root()
    if root is None:
        pytest.skip("Inspect AI is not installed (no VENV_ROOT/inspect/bin/inspect)")
    env = {**os.environ, "VENV_ROOT": str(root), "OUT": str(tmp_path)}
    subprocess.run(
        ["bash", str(HERE / "make.sh")], env=env, check=True, timeout=600, capture_output=True
    )
    candidate, baseline = _one(tmp_path / "candidate.eval"), _one(tmp_path / "baseline.eval")
    changed = _one(tmp_path / "baseline_changed.eval")
    assert _by_key(candidate).keys() == _by_key(baseline).keys()
    assert sum(bool(item.passed) for item in baseline.items) == 86
    assert sum(bool(item.passed) for item in candidate.items) == 86
    assert [item.sample_id for item in candidate.items if item.error] == [ERRORED]
    assert len(changed.items) == 99
    assert len(_one(tmp_path / "candidate.json").items) == 20

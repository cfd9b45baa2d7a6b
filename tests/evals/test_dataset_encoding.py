"""Datasets that are not clean UTF-8 JSONL/CSV, or that repeat an id: a DataError naming
the file and the place (exit 2), never another exception. Ends with a fuzzer."""

from __future__ import annotations

import codecs
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearance.cli import run
from clearance.errors import DataError, UsageError
from clearance.evals import load_dataset

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support-assistant"
UTF8_FIX = "save the file as UTF-8"


def _load(tmp_path: Path, name: str, data: bytes) -> DataError:
    file = tmp_path / name
    file.write_bytes(data)
    with pytest.raises(DataError) as info:
        load_dataset(file)
    assert info.value.file == str(file)
    assert info.value.exit_code == 2
    return info.value


# -- encodings --------------------------------------------------------------------------


def test_latin1_jsonl_names_file_line_and_byte(tmp_path: Path) -> None:
    error = _load(tmp_path, "d.jsonl", b'{"input": "caf\xe9", "target": "x"}\n')
    assert (error.line, error.column) == (1, 15)
    assert "not UTF-8: byte 0xe9 at byte offset 14" in error.message
    assert error.fix is not None and UTF8_FIX in error.fix
    assert str(error).startswith(f"{tmp_path / 'd.jsonl'}:1:15: ")


def test_latin1_on_a_later_line_counts_lines_and_bytes(tmp_path: Path) -> None:
    data = b'{"input": "ok \xc3\xa9"}\r\n\r\n{"input": "na\xefve"}\n'
    error = _load(tmp_path, "d.jsonl", data)
    assert (error.line, error.column) == (3, 14)
    offset = data.index(b"\xef")
    assert f"byte offset {offset}" in error.message


def test_latin1_csv_names_its_line(tmp_path: Path) -> None:
    error = _load(tmp_path, "d.csv", b"id,input,target\n1,fine,x\n2,d\xe9j\xe0 vu,y\n")
    assert (error.line, error.column) == (3, 4)
    assert "byte 0xe9 at byte offset 28" in error.message
    assert error.fix is not None and UTF8_FIX in error.fix


def test_latin1_tsv_too(tmp_path: Path) -> None:
    assert _load(tmp_path, "d.tsv", b"input\ttarget\nt\xeate\tx\n").line == 2


def test_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    data = '{"input": "x"}\n'.encode("utf-16")
    error = _load(tmp_path, "d.jsonl", data)
    assert "UTF-16, not UTF-8" in error.message
    assert error.fix == UTF8_FIX


@pytest.mark.parametrize(
    ("name", "text"),
    [("d.jsonl", '{"id": "a", "input": "café"}\n'), ("d.csv", "id,input\na,café\n")],
)
def test_utf8_with_a_byte_order_mark_loads(tmp_path: Path, name: str, text: str) -> None:
    file = tmp_path / name
    file.write_bytes(codecs.BOM_UTF8 + text.encode())
    (sample,) = load_dataset(file)
    assert (sample.id, sample.input) == ("a", "café")


def test_unreadable_file_is_a_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "d.jsonl"
    file.write_text('{"input": "x"}\n', encoding="utf-8")

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(DataError, match="cannot read the dataset: Permission denied"):
        load_dataset(file)


def test_latin1_suite_exits_2_from_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLE, tmp_path, dirs_exist_ok=True)
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_bytes(b'{"id": "t1", "input": "caf\xe9", "target": "x"}\n')
    code = run(
        ["check", "-p", str(tmp_path / "clearance.yaml"), "--db", f"sqlite:///{tmp_path}/c.db"]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{tasks}:1:" in err and "not UTF-8" in err and UTF8_FIX in err
    assert "Traceback" not in err


# -- malformed content that used to escape as another exception --------------------------


def test_deeply_nested_json_is_a_data_error(tmp_path: Path) -> None:
    error = _load(tmp_path, "d.jsonl", b'{"input": "x"}\n' + b"[" * 100_000 + b"\n")
    assert error.line == 2 and "nested too deeply" in error.message


def test_deeply_nested_messages_in_csv_is_a_data_error(tmp_path: Path) -> None:
    cell = '"' + "[" * 100_000 + '"'
    error = _load(tmp_path, "d.csv", f"input,messages\nx,{cell}\n".encode())
    assert error.line == 2 and "nested too deeply" in error.message


def test_csv_field_over_the_limit_is_a_data_error(tmp_path: Path) -> None:
    error = _load(tmp_path, "d.csv", b"input\n" + b"x" * 200_000 + b"\n")
    assert error.line == 2 and "field limit" in error.message
    assert error.fix is not None and "JSONL" in error.fix


@pytest.mark.parametrize("bad", [None, {"a": 1}, [1]])
def test_targets_entries_must_be_text(tmp_path: Path, bad: Any) -> None:
    row = {"input": "x", "targets": ["ok", bad]}
    error = _load(tmp_path, "d.jsonl", (json.dumps(row) + "\n").encode())
    assert error.line == 1
    assert "targets" in error.message or "expected text" in error.message


def test_targets_keep_empty_and_numeric_entries(tmp_path: Path) -> None:
    file = tmp_path / "d.jsonl"
    file.write_text('{"input": "x", "targets": ["", 3, "y"]}\n', encoding="utf-8")
    (sample,) = load_dataset(file)
    assert sample.target == ("", "3", "y")  # not "None" for the empty one


# -- duplicate ids -----------------------------------------------------------------------


def test_duplicate_explicit_ids_name_both_lines(tmp_path: Path) -> None:
    data = b'{"id": "a", "input": "1"}\n{"id": "b", "input": "2"}\n\n{"id": "a", "input": "3"}\n'
    error = _load(tmp_path, "d.jsonl", data)
    assert error.line == 4
    assert "duplicate sample id 'a' on lines 1 and 4" in error.message


def test_duplicate_ids_in_csv_name_both_lines(tmp_path: Path) -> None:
    error = _load(tmp_path, "d.csv", b"id,input\n7,one\n8,two\n7,three\n")
    assert error.line == 4
    assert "duplicate sample id '7' on lines 2 and 4" in error.message


def test_number_and_text_ids_that_read_the_same_collide(tmp_path: Path) -> None:
    error = _load(tmp_path, "d.jsonl", b'{"id": 1, "input": "a"}\n{"id": "1", "input": "b"}\n')
    assert "duplicate sample id '1' on lines 1 and 2" in error.message


@pytest.mark.parametrize(
    ("name", "data", "lines"),
    [
        (
            "d.jsonl",
            b'{"input": "same", "target": "t"}\n{"input": "same", "target": "t"}\n',
            (1, 2),
        ),
        ("d.csv", b"input,target\nsame,t\nother,t\nsame,t\n", (2, 4)),
    ],
)
def test_identical_rows_without_ids_are_reported_as_such(
    tmp_path: Path, name: str, data: bytes, lines: tuple[int, int]
) -> None:
    error = _load(tmp_path, name, data)
    assert error.line == lines[1]
    assert f"on lines {lines[0]} and {lines[1]}" in error.message
    assert "no 'id' and the same input, messages and target" in error.message
    assert error.fix is not None and "remove the repeated row" in error.fix


def test_rows_without_ids_that_differ_only_in_category_collide(tmp_path: Path) -> None:
    # The derived id covers input, messages and target only.
    data = b'{"input": "q", "category": "a"}\n{"input": "q", "category": "b"}\n'
    assert "derived ids match" in _load(tmp_path, "d.jsonl", data).message


def test_explicit_id_equal_to_another_rows_derived_id_collides(tmp_path: Path) -> None:
    file = tmp_path / "d.jsonl"
    file.write_text('{"input": "q"}\n', encoding="utf-8")
    (derived,) = load_dataset(file)
    data = f'{{"input": "q"}}\n{{"id": "{derived.id}", "input": "other"}}\n'.encode()
    error = _load(tmp_path, "d.jsonl", data)
    assert f"duplicate sample id '{derived.id}' on lines 1 and 2" in error.message


def test_distinct_rows_without_ids_load(tmp_path: Path) -> None:
    file = tmp_path / "d.jsonl"
    file.write_text('{"input": "q", "target": "a"}\n{"input": "q", "target": "b"}\n')
    assert len({s.id for s in load_dataset(file)}) == 2


# -- fuzzing -----------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
keys = st.sampled_from(["id", "input", "messages", "target", "targets", "category", "metadata"])
rows = st.one_of(
    st.dictionaries(keys | st.text(max_size=6), json_values, max_size=6),
    json_values,
)
messages = st.lists(
    st.dictionaries(st.sampled_from(["role", "content", "name"]), json_values, max_size=3),
    max_size=3,
)
garnish = st.sampled_from(
    [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"\x00", b"\xe9", b"\xff\xfe", b"\r", b"\n"]
)


def _jsonl_text(items: list[Any]) -> bytes:
    return "".join(json.dumps(item) + "\n" for item in items).encode()


def _csv_text(header: list[str], cells: list[list[str]]) -> bytes:
    lines = [",".join(header), *(",".join(row) for row in cells)]
    return ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


raw_bytes = st.binary(max_size=300)
jsonl_bytes = st.lists(rows, max_size=5).map(_jsonl_text)
jsonl_messages = st.lists(
    st.builds(lambda m, t: {"messages": m, "target": t}, messages, json_values), max_size=4
).map(_jsonl_text)
csv_bytes = st.builds(
    _csv_text,
    st.lists(keys | st.text(max_size=5), min_size=1, max_size=4),
    st.lists(st.lists(st.text(max_size=8), max_size=5), max_size=4),
)
huge = st.builds(
    lambda n, c: b'{"input": "' + c * n + b'"}\n',
    st.integers(0, 300_000),
    st.sampled_from([b"x", b"\\"]),
)


def _mangle(data: bytes, prefix: bytes, insert: bytes, at: int) -> bytes:
    cut = at % (len(data) + 1)
    return prefix + data[:cut] + insert + data[cut:]


documents = st.builds(
    _mangle,
    st.one_of(raw_bytes, jsonl_bytes, jsonl_messages, csv_bytes, huge),
    garnish,
    garnish,
    st.integers(0, 10_000),
)


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=documents, suffix=st.sampled_from([".jsonl", ".ndjson", ".csv", ".tsv"]))
def test_loader_loads_or_raises_a_data_error(fuzz_folder: Path, data: bytes, suffix: str) -> None:
    file = fuzz_folder / f"fuzz{suffix}"
    file.write_bytes(data)
    try:
        samples = load_dataset(file)
    except (DataError, UsageError) as exc:
        assert exc.file == str(file)
        assert str(exc)  # renders without raising
        return
    assert samples
    assert len({s.id for s in samples}) == len(samples)
    for sample in samples:
        assert sample.input is not None or sample.messages
        json.dumps([sample.id, sample.target, sample.category])

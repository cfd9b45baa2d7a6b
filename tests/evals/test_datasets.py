from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from evalkit import write_jsonl

from clearance.errors import DataError
from clearance.evals import Sample, load_dataset


def test_jsonl_rows_become_samples(tmp_path: Path) -> None:
    file = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"id": "a", "input": "hi", "target": "hello", "category": "greet", "lang": "en"},
            {"messages": [{"role": "user", "content": "q"}], "targets": ["x", "y"]},
        ],
    )
    first, second = load_dataset(file)
    assert (first.id, first.input, first.target, first.category) == ("a", "hi", "hello", "greet")
    assert first.metadata == {"lang": "en"}
    assert second.target == ("x", "y")
    assert second.chat() == [{"role": "user", "content": "q"}]
    assert len(second.id) == 16  # content hash when the id is missing


def test_missing_id_is_a_stable_content_hash() -> None:
    one = Sample(input="same", target="t")
    two = Sample(input="same", target="t")
    other = Sample(input="same", target="u")
    assert one.id == two.id != other.id


@pytest.mark.parametrize(
    ("line", "expect"),
    [
        ("{not json", "not valid JSON"),
        ('{"target": "x"}', "needs 'input' or 'messages'"),
        ('{"input": 3}', "'input' must be text"),
        ('{"input": "x", "messages": [{"content": "no role"}]}', "role"),
        ("[1, 2]", "must be an object"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path: Path, line: str, expect: str) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_text('{"input": "fine"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(file)
    assert info.value.file == str(file)
    assert info.value.line == 3
    assert expect in str(info.value)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "input": "1"}, {"id": "a", "input": "2"}])
    with pytest.raises(DataError, match="duplicate sample id 'a'") as info:
        load_dataset(file)
    assert info.value.line == 2


def test_csv_with_extra_columns_and_line_numbers(tmp_path: Path) -> None:
    file = tmp_path / "d.csv"
    file.write_text("id,input,target,source\n1,What?,42,web\n2,,x,web\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(file)
    assert info.value.line == 3
    file.write_text("id,input,target,source\n1,What?,42,web\n", encoding="utf-8")
    (sample,) = load_dataset(file)
    assert (sample.id, sample.target, sample.metadata) == ("1", "42", {"source": "web"})


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "nope.jsonl")
    (tmp_path / "d.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="cannot tell the format"):
        load_dataset(tmp_path / "d.txt")


@pytest.mark.skipif(
    importlib.util.find_spec("datasets") is None,
    reason="the optional 'datasets' package is not installed",
)
def test_hugging_face_folder(tmp_path: Path) -> None:
    import datasets

    data = datasets.Dataset.from_list([{"id": "a", "input": "hi", "target": "yo"}])
    data.save_to_disk(str(tmp_path / "hf"))
    (sample,) = load_dataset(tmp_path / "hf")
    assert (sample.id, sample.input, sample.target) == ("a", "hi", "yo")

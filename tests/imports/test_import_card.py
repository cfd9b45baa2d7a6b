"""The card's ``.eval_results`` entries for imported suites: the declared benchmark, else
the Hub dataset the tool's file names, else the local suite (said so); never verified."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from clearance.cli import run
from clearance.imports._model import hub_dataset
from clearance.store import Store
from imports.test_import_check import FIXTURES, write_policy


def card_entry(policy: Path, store_url: str, folder: Path) -> dict[str, object]:
    assert run(["check", "--policy", str(policy), "--db", store_url, "-f", "json"]) == 0
    card = folder / "card" / "README.md"
    assert run(["card", "--policy", str(policy), "--db", store_url, "--out", str(card)]) == 0
    (entry,) = yaml.safe_load((card.parent / ".eval_results" / "arith.yaml").read_text())
    assert "verifyToken" not in entry
    return dict(entry)


def hub_run(folder: Path, source: Path, dataset: str) -> Path:
    """A copy of an lm-eval run whose task config names a Hub dataset."""
    shutil.copytree(source, folder)
    results = next(folder.glob("results_*.json"))
    data = json.loads(results.read_text())
    data["configs"]["arith"]["dataset_path"] = dataset
    results.write_text(json.dumps(data))
    return folder


def test_a_suite_without_a_benchmark_gets_a_local_entry_that_says_so(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = write_policy(tmp_path, "promptfoo", "promptfoo/baseline.json")
    data = yaml.safe_load(policy.read_text())
    del data["suites"][0]["benchmark"]
    policy.write_text(yaml.safe_dump(data))
    entry = card_entry(policy, store_url, tmp_path)
    assert entry["dataset"] == {"id": "clearance/arith", "task_id": "arith"}
    assert "not a Hub benchmark" in str(entry["notes"])
    assert entry["value"] == pytest.approx(0.86, abs=0.011)


def test_the_hub_dataset_the_file_names_is_the_entrys_dataset(
    store: Store, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = tmp_path / "runs"
    hub_run(runs / "candidate", FIXTURES / "lm-eval/candidate", "my-org/arith-bench")
    hub_run(runs / "baseline", FIXTURES / "lm-eval/baseline", "my-org/arith-bench")
    policy = write_policy(tmp_path, "lm-eval", "lm-eval/baseline")
    data = yaml.safe_load(policy.read_text())
    suite = data["suites"][0]
    del suite["benchmark"]
    suite["candidate"], suite["baseline"] = str(runs / "candidate"), str(runs / "baseline")
    policy.write_text(yaml.safe_dump(data))
    entry = card_entry(policy, store_url, tmp_path)
    assert entry["dataset"] == {"id": "my-org/arith-bench", "task_id": "arith"}
    assert "lm-eval" in str(entry["notes"]) and "not a Hub" not in str(entry["notes"])


@pytest.mark.parametrize(
    ("name", "hub"),
    [
        ("openai/gsm8k", "openai/gsm8k"),
        ("cais/mmlu", "cais/mmlu"),
        ("json", None),
        ("/work/data/items.jsonl", None),
        ("data/items.jsonl", None),
        ("./x/y", None),
        (None, None),
        (3, None),
    ],
)
def test_what_reads_as_a_hub_dataset(name: object, hub: str | None) -> None:
    assert hub_dataset(name) == hub

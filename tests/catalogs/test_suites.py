"""The built-in suite table is total: every suite the policy may name has an entry with
a dataset, a scorer (or agreement), a polarity and a category field, and the other
tables keyed by suite name cover the same suites."""

from dataclasses import fields
from pathlib import Path
from typing import get_args

import pytest

from clearance.checklist._agreement import ANSWERS
from clearance.evals.suites import (
    BUILTIN_SUITE_NAMES,
    BUILTIN_SUITE_TABLE,
    BuiltinSuiteSpec,
    Expected,
    SuiteSample,
    load_builtin,
    manifest,
    scorer_for,
)
from clearance.evals.suites import MODEL_JUDGE_QUESTIONS as QUESTIONS
from clearance.policy import BUILTIN_SUITES
from clearance.policy._vocab import BuiltinSuiteName

NAMES = [s.name for s in BUILTIN_SUITE_TABLE]


def test_the_table_names_the_policy_s_built_in_suites_in_order() -> None:
    assert tuple(NAMES) == get_args(BuiltinSuiteName) == tuple(BUILTIN_SUITES)
    assert tuple(NAMES) == BUILTIN_SUITE_NAMES


@pytest.mark.parametrize("spec", BUILTIN_SUITE_TABLE, ids=NAMES)
def test_every_suite_has_its_dataset_in_the_package_and_manifest(spec: BuiltinSuiteSpec) -> None:
    data = load_builtin(spec.name)
    assert data.samples, spec.dataset
    assert spec.name in manifest()["suites"]
    assert data.metrics == tuple(f"{spec.name}.{m}" for m in BUILTIN_SUITES[spec.name])


@pytest.mark.parametrize("spec", BUILTIN_SUITE_TABLE, ids=NAMES)
def test_every_suite_is_scored_per_sample_or_by_agreement(spec: BuiltinSuiteSpec) -> None:
    scorer = scorer_for(spec.name)
    if spec.scorer is None:
        assert scorer is None
        assert spec.event_when_passed is None
        assert BUILTIN_SUITES[spec.name] == ("agreement",)
    else:
        assert isinstance(scorer, spec.scorer)
        assert spec.event_when_passed in (0.0, 1.0)
        assert len(BUILTIN_SUITES[spec.name]) == 1  # its one rate metric


@pytest.mark.parametrize("spec", BUILTIN_SUITE_TABLE, ids=NAMES)
def test_the_category_key_is_a_field_every_sample_has(spec: BuiltinSuiteSpec) -> None:
    assert spec.category_key in {f.name for f in fields(SuiteSample)}
    for sample in load_builtin(spec.name).samples:
        assert getattr(sample, spec.category_key)


@pytest.mark.parametrize("spec", BUILTIN_SUITE_TABLE, ids=NAMES)
def test_public_sets_fit_only_where_the_table_says(spec: BuiltinSuiteSpec, tmp_path: Path) -> None:
    if spec.public_expected is None:
        csv = tmp_path / "set.csv"
        csv.write_text("prompt,type\nhello,safe\n")
        with pytest.raises(Exception, match="takes a JSONL file"):
            load_builtin(spec.name, path=csv)
    else:
        assert spec.public_expected in get_args(Expected)


def test_the_judged_suites_are_the_per_sample_ones() -> None:
    per_sample = {s.name for s in BUILTIN_SUITE_TABLE if s.scorer is not None}
    assert set(QUESTIONS) == per_sample
    assert set(ANSWERS) == per_sample


@pytest.mark.parametrize("spec", BUILTIN_SUITE_TABLE, ids=NAMES)
def test_the_policy_accepts_judge_true_exactly_where_the_table_has_a_question(
    spec: BuiltinSuiteSpec,
) -> None:
    import yaml

    from clearance.policy import PolicyErrors, parse_policy, render_policy

    data = yaml.safe_load(render_policy())
    data["targets"]["judge"] = dict(data["targets"]["baseline"], label="judge")
    data["suites"] = [{"builtin": spec.name, "judge": True}]
    data["gates"] = {}
    text = yaml.safe_dump(data)
    if spec.judge is None:
        with pytest.raises(PolicyErrors, match="no per-sample verdict"):
            parse_policy(text, file=Path("clearance.yaml"), require_env=False)
    else:
        parse_policy(text, file=Path("clearance.yaml"), require_env=False)

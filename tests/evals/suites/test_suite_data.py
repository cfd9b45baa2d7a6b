"""The built-in suites as shipped: sizes, categories, ids, versions and content hashes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from clearance.errors import UsageError
from clearance.evals.suites import (
    BUILTIN_SUITE_NAMES,
    CHANNELS,
    PLACEHOLDER_RE,
    load_builtin,
    manifest,
)
from clearance.policy import BUILTIN_SUITES

ROOT = Path(__file__).resolve().parents[3]

MINIMUMS = {  # suite -> (samples, categories, expected)
    "harmful-refusal": (200, 10, "refuse"),
    "over-refusal": (200, 10, "comply"),
    "prompt-injection": (100, 6, "resist"),
    "pii-leakage": (100, 5, "protect"),
    "consistency": (50, 5, "agree"),
}


def test_names_match_the_policy_vocabulary() -> None:
    assert set(BUILTIN_SUITE_NAMES) == set(BUILTIN_SUITES) == set(MINIMUMS)


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_sizes_categories_and_expectations(name: str) -> None:
    data = load_builtin(name)
    samples, categories, expected = MINIMUMS[name]
    assert len(data) >= samples
    assert len(data.categories) >= categories
    assert all(s.category and s.expected == expected for s in data.samples)
    assert data.metrics == tuple(f"{name}.{m}" for m in BUILTIN_SUITES[name])


def test_refusal_suites_have_enough_samples_per_category() -> None:
    for name in ("harmful-refusal", "over-refusal"):
        assert min(load_builtin(name).categories.values()) >= 15, name


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_ids_unique_and_stable_across_loads(name: str) -> None:
    first, second = load_builtin(name), load_builtin(name)
    ids = [s.id for s in first.samples]
    assert len(ids) == len(set(ids))
    assert ids == [s.id for s in second.samples]
    assert all(re.fullmatch(r"[a-z0-9_.-]+", i) for i in ids)


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_version_and_hash_match_the_manifest(name: str) -> None:
    data = load_builtin(name)
    entry = manifest()["suites"][name]
    assert data.version == entry["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", data.version)
    assert data.content_hash == entry["content_hash"]
    assert data.categories == entry["categories"]


def test_limit_keeps_the_first_samples_and_changes_the_hash() -> None:
    full, few = load_builtin("consistency"), load_builtin("consistency", limit=5)
    assert [s.id for s in few.samples] == [s.id for s in full.samples[:5]]
    assert few.content_hash != full.content_hash


def test_bad_name_and_limit_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="no built-in suite"):
        load_builtin("harmful")
    with pytest.raises(UsageError, match="limit"):
        load_builtin("consistency", limit=0)


def test_generated_data_is_up_to_date() -> None:
    script = ROOT / "tools" / "gen_suites.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_refusal_and_consistency_prompts_have_no_placeholders() -> None:
    for name in ("harmful-refusal", "over-refusal", "consistency"):
        for sample in load_builtin(name).samples:
            assert not PLACEHOLDER_RE.search(sample.prompt), sample.id


def test_injection_probes_cover_every_channel_with_system_canary() -> None:
    data = load_builtin("prompt-injection")
    channels = {s.channel for s in data.samples}
    assert channels == set(CHANNELS)
    assert sum(s.channel == "direct" for s in data.samples) >= 30
    assert sum(s.channel != "direct" for s in data.samples) >= 60
    for sample in data.samples:
        assert sample.messages[0]["role"] == "system"
        assert "{SYSTEM_CANARY}" in sample.messages[0]["content"]
        assert sample.metadata["success_when"]


def test_injection_goals_cover_every_success_criterion() -> None:
    data = load_builtin("prompt-injection")
    indirect = [s for s in data.samples if s.channel != "direct"]
    goals = {criterion for s in indirect for criterion in s.metadata["primary"]}
    assert goals == {
        "attacker_marker",
        "system_canary",
        "markdown_image",
        "link",
        "document_canary",
        "tool_call",
    }
    tool_probes = [s for s in indirect if "tool_call" in s.metadata["primary"]]
    assert all(s.metadata["tools"] for s in tool_probes)


def test_attacker_urls_use_only_reserved_domains() -> None:
    for name in BUILTIN_SUITE_NAMES:
        for sample in load_builtin(name).samples:
            text = json.dumps(sample.messages)
            for host in re.findall(r"https?://([^/\s\"')\\]+)", text):
                assert host.endswith(".example"), (sample.id, host)


def test_pii_probes_plant_records_in_the_system_prompt() -> None:
    data = load_builtin("pii-leakage")
    contexts = {s.metadata["context"] for s in data.samples}
    assert {"crm_record", "support_ticket", "other_user_message", "log_lines"} <= contexts
    for sample in data.samples:
        system = sample.messages[0]
        assert system["role"] == "system" and "Never disclose" in system["content"]
        assert re.search(r"\{PII_\d_(EMAIL|PHONE|CARD|SSN|IBAN)\}", system["content"])
    assert data.categories.keys() >= {"direct", "indirect", "aggregate"}


def test_consistency_samples_carry_reference_answers() -> None:
    for sample in load_builtin("consistency").samples:
        assert sample.metadata["answer"].strip()

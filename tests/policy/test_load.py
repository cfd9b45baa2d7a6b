"""Loading clearance.yaml: round trips and every documented error path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clearance import load_policy
from clearance.errors import PolicyError
from clearance.policy import Policy, parse_policy, render_policy
from clearance.policy._vocab import TRIGGER_KINDS


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clearance.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def minimal(**extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "clearance": 1,
        "system": {"name": "bot"},
        "targets": {"candidate": {"adapter": "python", "callable": "bot:answer"}},
    }
    data.update(extra)
    return data


def dump(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def test_init_template_loads_with_everything(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, render_policy("shop-bot")))
    assert policy.system.name == "shop-bot"
    assert {s.name for s in policy.suites} == {
        "harmful-refusal",
        "over-refusal",
        "prompt-injection",
        "pii-leakage",
        "consistency",
    }
    assert all(policy.gates.by_area()[a] for a in policy.gates.by_area() if a != "capability")
    assert [s.stage for s in policy.rollout.stages] == [
        "offline_evals",
        "internal_dogfood",
        "limited_beta",
        "canary",
        "staged_rollout",
        "full_rollout",
    ]
    # every built-in kind once (the six scorecard comparisons included)
    kinds = [t.kind for t in policy.triggers]
    assert sorted(kinds) == sorted(k for k in TRIGGER_KINDS if k != "custom")


def test_round_trip_through_model_dump(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, render_policy()))
    dumped = policy.model_dump(mode="json", exclude_unset=True)
    again = parse_policy(yaml.safe_dump(dumped), file=tmp_path / "again.yaml")
    assert again.model_dump() == policy.model_dump()
    assert Policy.model_validate(dumped).model_dump() == policy.model_dump()


def test_minimal_policy_gets_defaults(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, dump(minimal())))
    assert policy.rollout.alpha == 0.05
    assert policy.targets.baseline is None
    assert policy.source.digest and len(policy.source.digest) == 64


def test_misspelled_key_names_line_and_suggests(tmp_path: Path) -> None:
    text = render_policy().replace("  traffic:", "  trafic:")
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, text))
    err = info.value
    assert err.line == text.splitlines().index("  trafic:") + 1
    assert err.column == 3
    assert err.path == "system.trafic"
    assert "did you mean 'traffic'" in str(err)


def test_misspelled_key_inside_union_suggests_from_right_variant(tmp_path: Path) -> None:
    data = minimal()
    data["targets"] = {
        "candidate": {
            "adapter": "openai",
            "base_url": "http://x/v1",
            "model": "m",
            "api_key_evn": "K",
        }
    }
    with pytest.raises(PolicyError, match="did you mean 'api_key_env'"):
        load_policy(write(tmp_path, dump(data)))


def test_wrong_type_says_expected_and_found(tmp_path: Path) -> None:
    data = minimal(rollout={"alpha": "lots"})
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, dump(data)))
    assert "'lots'" in str(info.value)
    assert info.value.path == "rollout.alpha"
    assert info.value.line is not None


def test_missing_required_key(tmp_path: Path) -> None:
    data = minimal()
    del data["targets"]
    with pytest.raises(PolicyError, match="missing required key 'targets'"):
        load_policy(write(tmp_path, dump(data)))


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, "clearance: 1\nsystem: {name: x\n"))
    assert "not valid YAML" in str(info.value)
    assert info.value.line is not None


def test_duplicate_key_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="duplicate key 'system'") as info:
        load_policy(write(tmp_path, "clearance: 1\nsystem: {name: a}\nsystem: {name: b}\n"))
    assert info.value.line == 3


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just a string\n"])
def test_not_a_mapping(tmp_path: Path, text: str) -> None:
    with pytest.raises(PolicyError):
        load_policy(write(tmp_path, text))


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "nope.yaml")
    with pytest.raises(PolicyError, match="folder"):
        load_policy(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "clearance.yaml"
    path.write_bytes(b"clearance: 1\nsystem: {name: \xff}\n")
    with pytest.raises(PolicyError, match="UTF-8"):
        load_policy(path)


def test_wrong_schema_version(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="clearance"):
        load_policy(write(tmp_path, dump(minimal(clearance=2))))


def test_env_interpolation_and_redaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "s3cr3t-value")
    data = minimal()
    data["targets"] = {
        "candidate": {
            "adapter": "openai",
            "base_url": "http://x/v1",
            "model": "m",
            "headers": {"X-Token": "${BOT_TOKEN}"},
        }
    }
    policy = load_policy(write(tmp_path, dump(data)))
    assert policy.targets.candidate.headers["X-Token"] == "s3cr3t-value"  # type: ignore[union-attr]
    assert policy.source.redact("token s3cr3t-value here") == "token [SECRET] here"
    assert "s3cr3t" not in policy.source.digest


def test_env_missing_is_error_unless_relaxed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOPE_VAR", raising=False)
    path = write(tmp_path, dump(minimal(system={"name": "${NOPE_VAR}"})))
    with pytest.raises(PolicyError, match="NOPE_VAR is not set") as info:
        load_policy(path)
    assert info.value.path == "system.name"
    with pytest.raises(PolicyError):  # relaxed: empty name then fails validation
        load_policy(path, require_env=False)
    ok = write(tmp_path, dump(minimal(system={"name": "${NOPE_VAR:-fallback}"})))
    assert load_policy(ok).system.name == "fallback"


def test_unknown_gate_metric_suggests(tmp_path: Path) -> None:
    data = minimal(
        suites=[{"builtin": "harmful-refusal"}],
        gates={"safety": [{"metric": "harmful-refusal.refusal_rat", "min": 0.9}]},
    )
    with pytest.raises(PolicyError, match="did you mean 'harmful-refusal.refusal_rate'") as info:
        load_policy(write(tmp_path, dump(data)))
    assert info.value.path == "gates.safety.0.metric"


def test_gate_on_undeclared_suite(tmp_path: Path) -> None:
    data = minimal(gates={"capability": [{"metric": "tasks.score", "min": 0.5}]})
    with pytest.raises(PolicyError, match="not reported by any suite"):
        load_policy(write(tmp_path, dump(data)))


def test_user_suite_metrics_and_missing_dataset(tmp_path: Path) -> None:
    (tmp_path / "tasks.jsonl").write_text("{}\n")
    data = minimal(
        suites=[{"name": "tasks", "path": "tasks.jsonl"}],
        gates={"capability": [{"metric": "tasks.score", "min": 0.5}]},
    )
    assert load_policy(write(tmp_path, dump(data))).suite_names() == ["tasks"]
    data["suites"] = [{"name": "tasks", "path": "missing.jsonl"}]
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(write(tmp_path, dump(data)))


def test_vs_baseline_needs_baseline(tmp_path: Path) -> None:
    data = minimal(
        gates={"latency": [{"metric": "latency.p95_ms", "vs_baseline": "non_inferiority"}]}
    )
    with pytest.raises(PolicyError, match="needs a baseline"):
        load_policy(write(tmp_path, dump(data)))


def test_stage_order_and_approver_role(tmp_path: Path) -> None:
    data = minimal(rollout={"stages": [{"stage": "canary"}, {"stage": "limited_beta"}]})
    with pytest.raises(PolicyError, match="must follow the order"):
        load_policy(write(tmp_path, dump(data)))
    data = minimal(rollout={"stages": [{"stage": "canary", "approvals": ["approve_changes"]}]})
    with pytest.raises(PolicyError, match="no one holds it"):
        load_policy(write(tmp_path, dump(data)))
    data = minimal(rollout={"stages": [{"stage": "canary", "approvals": ["approve_everything"]}]})
    with pytest.raises(PolicyError, match="approve_changes"):
        load_policy(write(tmp_path, dump(data)))


def test_repeated_stage_kinds_allowed(tmp_path: Path) -> None:
    data = minimal(
        rollout={
            "stages": [
                {"stage": "canary", "name": "c1", "weight": 0.01},
                {"stage": "canary", "name": "c5", "weight": 0.05},
            ]
        }
    )
    assert [s.label for s in load_policy(write(tmp_path, dump(data))).rollout.stages] == [
        "c1",
        "c5",
    ]


def test_trigger_rules(tmp_path: Path) -> None:
    bad_metric = minimal(triggers=[{"kind": "custom", "metric": "vibes", "statistic": "mean"}])
    with pytest.raises(PolicyError, match="latency_ms"):
        load_policy(write(tmp_path, dump(bad_metric)))
    no_slo = minimal(triggers=[{"kind": "latency_slo_breach"}])
    with pytest.raises(PolicyError, match="threshold"):
        load_policy(write(tmp_path, dump(no_slo)))
    twice = minimal(triggers=[{"kind": "cost_spike"}, {"kind": "cost_spike"}])
    with pytest.raises(PolicyError, match="two triggers"):
        load_policy(write(tmp_path, dump(twice)))
    ok = minimal(triggers=[{"kind": "latency_slo_breach", "threshold": 800}])
    trigger = load_policy(write(tmp_path, dump(ok))).triggers[0].resolved()
    assert (trigger.metric, trigger.statistic, trigger.worse_when) == (
        "latency_ms",
        "share_above",
        "higher",
    )


def test_bad_adapter_and_callable(tmp_path: Path) -> None:
    data = minimal()
    data["targets"] = {"candidate": {"adapter": "grpc"}}
    with pytest.raises(PolicyError, match="openai, python, recorded"):
        load_policy(write(tmp_path, dump(data)))
    data["targets"] = {"candidate": {"adapter": "python", "callable": "not a path"}}
    with pytest.raises(PolicyError, match="module:function"):
        load_policy(write(tmp_path, dump(data)))


def test_parse_policy_uses_given_file_name() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy("clearance: 1\n", file=Path("somewhere/policy.yaml"))
    assert info.value.file == "somewhere/policy.yaml"

"""`clearance init` writes defaults that work: its endpoints do not collide with
`clearance serve`, the README shows the same ones, and the release is named from the
system's name and version."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from clearance.cli import _serve_cmds
from clearance.policy import AREAS, default_release, parse_policy, release_tag, render_policy
from clearance.rollout import simulate
from clearance.rollout._simulate import default_start

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FILE = Path("/nonexistent/clearance.yaml")
PORT = re.compile(r"https?://[^/\s:\"]+:(\d+)")


def serve_port() -> int:
    default = inspect.signature(_serve_cmds.serve).parameters["port"].default
    assert isinstance(default, int)
    return default


def test_init_endpoints_do_not_collide_with_serve() -> None:
    targets = yaml.safe_load(render_policy())["targets"]
    ports = {int(PORT.match(t["base_url"])[1]) for t in targets.values()}  # type: ignore[index]
    assert len(ports) == 2
    assert serve_port() not in ports
    assert f"127.0.0.1:{serve_port()}" in README  # the README's serve line says so


def test_readme_targets_match_the_template() -> None:
    block = README[README.index("targets:\n     candidate:") :]
    block = block[: block.index("```")]
    shown = {int(p) for p in PORT.findall(block)}
    template = {int(p) for p in PORT.findall(render_policy().split("targets:\n")[1][:600])}
    assert shown == template


def test_release_is_named_by_system_name_and_version() -> None:
    policy = parse_policy(render_policy("my-ai-system"), file=FILE, require_env=False)
    assert policy.system.version == "0.1.0"
    assert default_release(policy) == "my-ai-system@0.1.0"
    unversioned = render_policy("bot").replace('version: "0.1.0"', 'version: ""')
    policy = parse_policy(unversioned, file=FILE, require_env=False)
    assert release_tag(policy) == policy.targets.candidate.label
    assert default_release(policy) == f"bot@{policy.targets.candidate.label}"


def test_readme_counts_the_real_areas() -> None:
    words = {8: "eight", 9: "nine", 10: "ten", 11: "eleven"}
    assert f"release checks in {words[len(AREAS)]} areas" in " ".join(README.split())
    table = README[README.index("| area | evidence |") :].split("\n\n")[0]
    rows = [line.split("|")[1].strip() for line in table.splitlines()[2:]]
    assert rows == list(AREAS)


def test_simulated_telemetry_names_the_policys_release_and_is_current() -> None:
    policy = parse_policy(render_policy("shop-bot"), file=FILE, require_env=False)
    events = simulate(200, seed=1, policy=policy)
    assert {e["release"] for e in events} == {"shop-bot@0.1.0"}
    now = datetime.now(UTC).timestamp()
    assert now - 2 * 86_400 < events[0]["ts"] <= events[-1]["ts"] < now
    assert {e["release"] for e in simulate(10, release="r@1")} == {"r@1"}


def test_default_start_keeps_the_daily_phase() -> None:
    """Starts move by whole days, so a seed gives the same events whatever the date."""
    a, b = default_start(1000, 50_000, now=1.8e9), default_start(1000, 50_000, now=1.9e9)
    assert (a - b) % 86_400 == 0
    assert a + 1.2 * 1000 / 50_000 * 86_400 < 1.8e9
    first = simulate(50, seed=3, start=a)
    second = simulate(50, seed=3, start=b)
    strip = [{k: v for k, v in e.items() if k != "ts"} for e in first]
    assert strip == [{k: v for k, v in e.items() if k != "ts"} for e in second]


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_simulations(n: int) -> None:
    assert len(simulate(n)) == n


def test_readme_local_model_command_matches_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    flags = re.search(r"^LLAMA_CMAKE_ARGS := (.+)$", makefile, re.M)
    assert flags is not None
    assert f'CMAKE_ARGS="{flags[1]}"' in README
    assert 'pip install -e ".[local-model]"' in README

"""``clearance init``, ``validate`` and ``schema``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clearance.cli._common import DEFAULT_POLICY, PolicyOpt, err, out, policy_at
from clearance.errors import UsageError
from clearance.policy import SCHEMA_FILE, known_metrics, policy_schema_text, render_policy


def init(
    folder: Annotated[Path, typer.Argument(help="Folder to write clearance.yaml into.")] = Path(),
    name: Annotated[str, typer.Option(help="The system's name.")] = "my-ai-system",
    force: Annotated[bool, typer.Option(help="Overwrite an existing policy.")] = False,
) -> None:
    """Write a complete, commented clearance.yaml and its JSON Schema."""
    target = folder / "clearance.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", fix="pass --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SCHEMA_FILE).write_text(policy_schema_text(), encoding="utf-8")
    text = render_policy(name)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)  # atomic: never a half-written policy
    err.print(f"wrote {target} and {folder / SCHEMA_FILE}")
    err.print("next: fill in owners and targets, then run 'clearance validate'")


def validate(policy: PolicyOpt = DEFAULT_POLICY) -> None:
    """Check the policy: syntax, schema and cross-references. Exit 0 valid, 2 invalid."""
    loaded = policy_at(policy, require_env=False)
    gates = sum(len(g) for g in loaded.gates.by_area().values())
    out(f"{policy}: valid")
    err.print(
        f"{len(loaded.suites)} suites, {gates} gates, {len(loaded.rollout.stages)} stages, "
        f"{len(loaded.triggers)} triggers; {len(known_metrics(loaded))} metrics available"
    )


def schema() -> None:
    """Print the policy's JSON Schema."""
    out(policy_schema_text())

"""``clearance init``, ``validate`` and ``schema``."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from clearance.cli._common import DEFAULT_POLICY, PolicyOpt, err, out, policy_at
from clearance.errors import PolicyError, UsageError

if TYPE_CHECKING:
    from clearance.policy import Policy, Problem


class ValidateFormat(enum.StrEnum):
    text = "text"
    json = "json"


def init(
    folder: Annotated[Path, typer.Argument(help="Folder to write clearance.yaml into.")] = Path(),
    name: Annotated[str, typer.Option(help="The system's name.")] = "my-ai-system",
    force: Annotated[bool, typer.Option(help="Overwrite an existing policy.")] = False,
) -> None:
    """Write a complete, commented clearance.yaml and its JSON Schema."""
    from clearance.policy import SCHEMA_FILE, policy_schema_text, render_policy

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


def validate(
    policy: PolicyOpt = DEFAULT_POLICY,
    fmt: Annotated[
        ValidateFormat,
        typer.Option(
            "--format",
            "-f",
            help="text: problems on stderr; json: an object on stdout with 'valid' and "
            "'problems' (file, line, column, path, message, fix).",
        ),
    ] = ValidateFormat.text,
) -> None:
    """Check the policy: syntax, schema and cross-references, reporting every problem.
    Exit 0 valid, 2 invalid."""
    from clearance.policy import problems_of

    try:
        loaded = policy_at(policy, require_env=False)
    except PolicyError as exc:
        _report_problems(policy, problems_of(exc), fmt)
        raise typer.Exit(2) from None
    summary = _summary(loaded)
    if fmt is ValidateFormat.json:
        out(json.dumps({"valid": True, "file": str(policy), **summary}, indent=2))
        return
    out(f"{policy}: valid")
    err.print(
        f"{summary['suites']} suites, {summary['gates']} gates, {summary['stages']} stages, "
        f"{summary['triggers']} triggers; {summary['metrics']} metrics available"
    )


def _summary(policy: Policy) -> dict[str, int]:
    from clearance.policy import known_metrics

    return {
        "suites": len(policy.suites),
        "gates": sum(len(g) for g in policy.gates.by_area().values()),
        "stages": len(policy.rollout.stages),
        "triggers": len(policy.triggers),
        "metrics": len(known_metrics(policy)),
    }


def _report_problems(policy: Path, problems: tuple[Problem, ...], fmt: ValidateFormat) -> None:
    if fmt is ValidateFormat.json:
        body: dict[str, Any] = {
            "valid": False,
            "file": str(policy),
            "problems": [p.as_dict() for p in problems],
        }
        out(json.dumps(body, indent=2))
        return
    for problem in problems:
        err.error(f"[bold red]error:[/] {escape(str(problem))}", markup=True)
    count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
    err.error(f"{policy}: {count}")


def schema() -> None:
    """Print the policy's JSON Schema."""
    from clearance.policy import policy_schema_text

    out(policy_schema_text())

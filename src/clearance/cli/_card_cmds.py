"""``clearance card``: write or check a model or system card from the latest recorded
check; a thin shell over ``clearance.release`` and ``clearance.cards``."""

from __future__ import annotations

import enum
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearance.cli._check_cmds import emit
from clearance.cli._common import DEFAULT_POLICY, DbOpt, PolicyOpt, err, out, policy_at, store_at
from clearance.cli._outputs import write_atomic
from clearance.errors import UsageError

if TYPE_CHECKING:
    from clearance.policy import Policy
    from clearance.release._card import RecordedCheck


card_app = typer.Typer(
    help="Model and system cards, written from the latest recorded check of the release "
    "(run 'clearance check' first): exit 0 written or complete, 1 --check found defects, "
    "2 no recorded check. Nothing is evaluated or recorded: no request, no provider key, "
    "no new check, no audit entry, no approval voided.",
    short_help="Model and system cards, written from the recorded check.",
    invoke_without_command=True,
)


class CardFormat(enum.StrEnum):
    markdown = "markdown"
    cyclonedx = "cyclonedx"
    json = "json"
    """With --check: the result as JSON (valid, problems with section, problem and fix)."""


@card_app.callback()
def card(
    ctx: typer.Context,
    policy: PolicyOpt = DEFAULT_POLICY,
    db: DbOpt = None,
    kind: Annotated[
        str | None, typer.Option(help="model or system (default: system.kind).")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Card file (default: card.path).")
    ] = None,
    fmt: Annotated[
        CardFormat,
        typer.Option(
            "--format",
            "-f",
            help="markdown or cyclonedx to write a card; json with --check for a result "
            "with keys card, valid, release, evidence, decision and problems (section, "
            "problem, fix).",
        ),
    ] = CardFormat.markdown,
    check_path: Annotated[
        Path | None, typer.Option("--check", help="Check this card instead.")
    ] = None,
    release: Annotated[
        str | None,
        typer.Option(
            help="Release whose latest check the card states (default: system@version; "
            "without a label, the system's latest check)."
        ),
    ] = None,
    verbatim_examples: Annotated[
        bool,
        typer.Option(
            "--verbatim-examples",
            help="Quote failing samples' prompts and outputs in the card. By default the "
            "card, written to be published, counts them by suite and category only "
            "(a failing safety sample is a harmful request and answer).",
        ),
    ] = False,
) -> None:
    """Write the card (Hugging Face format) of the latest recorded check, or --check one
    against it: exit 1 on any defect, 2 when no check is recorded.

    Nothing is run or recorded: no eval, no request, no new check, no audit entry, so no
    approval is voided and no provider key is needed. Run 'clearance check' first.
    """
    if ctx.invoked_subcommand is not None:
        return
    if kind not in (None, "model", "system"):
        raise UsageError(f"--kind must be 'model' or 'system', not '{kind}'")
    if fmt is CardFormat.json and check_path is None:
        raise UsageError(
            "--format json is the result of --check",
            fix="add --check CARD, or use --format cyclonedx for a machine-readable card",
        )
    from clearance.release._card import latest_check

    loaded = policy_at(policy, require_env=False)
    with store_at(db) as store:
        recorded = latest_check(store, loaded, release)
    if check_path is not None:
        _check_card(loaded, recorded, check_path, kind, as_json=fmt is CardFormat.json)
        return
    changed = recorded.policy_changed(loaded)
    if fmt is CardFormat.cyclonedx:
        from clearance.cards import to_cyclonedx

        bom = to_cyclonedx(loaded, recorded.report)
        emit(json.dumps(bom, indent=2) + "\n", out_path, fix=_CARD_FIX)
    else:
        _write_card(loaded, recorded, out_path, kind, verbatim_examples)
    if changed:
        err.print(
            f"note: the policy changed since the latest check of {recorded.release}; the "
            "card states that check: run 'clearance check', then 'clearance card', for a "
            "card of this policy"
        )


_CARD_FIX = "give --out a file path in a writable folder (the recorded check is unchanged)"


def _write_card(
    loaded: Policy,
    recorded: RecordedCheck,
    out_path: Path | None,
    kind: str | None,
    verbatim: bool,
) -> None:
    from clearance.release import card_path, write_card

    written: list[Path] = []

    def save(path: Path, text: str) -> None:
        write_atomic(path, text, what="the card", fix=_CARD_FIX)
        written.append(path)

    path = card_path(loaded, out_path)
    write_card(loaded, recorded, path, save=save, kind=kind, verbatim_examples=verbatim)
    report = recorded.report
    err.print(
        f"wrote {path} ({kind or loaded.system.kind} card of {recorded.release}: check of "
        f"evidence {report.evidence_hash[:12]}, decision {report.decision})"
    )
    for extra in written[1:]:
        err.print(f"wrote {extra} (the Hub's .eval_results entry)")


def _check_card(
    loaded: Policy, recorded: RecordedCheck, path: Path, kind: str | None, *, as_json: bool
) -> None:
    from clearance.cards import check_card, load_card

    report = recorded.report
    problems = check_card(
        load_card(path),
        evidence_hash=report.evidence_hash,
        kind=kind,
        decision=report.decision,
        policy_hash=loaded.source.digest if loaded.source is not None else None,
    )
    if as_json:
        body = {
            "card": str(path),
            "valid": not problems,
            "release": recorded.release,
            "evidence": report.evidence_hash,
            "decision": report.decision,
            "problems": [
                {"section": p.section, "problem": p.problem, "fix": p.fix} for p in problems
            ],
        }
        out(json.dumps(body, indent=2))
        if problems:
            raise typer.Exit(1)
        return
    for problem in problems:
        out(f"{path}: {problem}")
    if problems:
        raise typer.Exit(1)
    out(
        f"{path}: complete and current (latest check of {recorded.release}: evidence "
        f"{report.evidence_hash[:12]}, decision {report.decision})"
    )


@card_app.command("diff")
def card_diff(old: Path, new: Path) -> None:
    """What changed between two cards: metrics and sections."""
    from clearance.cards import diff_cards, load_card

    lines = diff_cards(load_card(old), load_card(new))
    out("\n".join(lines) if lines else "no differences")

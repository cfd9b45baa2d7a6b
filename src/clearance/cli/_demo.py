"""``clearance demo``: the bundled example release, end to end, in about a minute.

Act 1 checks v2.0.0 of the example support assistant against v1.4.2 in production and
blocks it; act 2 checks the fix (v2.0.1), writes its cards and clears it; then its owners
approve it and it rolls out in stages on simulated traffic (see ``_demo_rollout``).
Every step is an ordinary library call, the same ones the other commands make.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.rule import Rule

import clearance
from clearance.errors import UsageError

if TYPE_CHECKING:
    from clearance.release import CheckOutcome

console = Console(highlight=False)

_FIXED = ("callable: assistant:v2\n", "callable: assistant:v2_1\n")
_FIXED_LABEL = ("label: v2.0.0\n", "label: v2.0.1\n")
_FIXED_VERSION = ('version: "2.0.0"\n', 'version: "2.0.1"\n')


def default_example() -> Path:
    """The example folder of a source checkout (``examples/support-assistant``)."""
    return Path(clearance.__file__).resolve().parents[2] / "examples" / "support-assistant"


def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for every artifact.")] = Path(
        "demo-out"
    ),
    example: Annotated[Path | None, typer.Option(help="Example folder to use.")] = None,
    local_model: Annotated[
        bool,
        typer.Option(
            "--local-model/--no-local-model",
            help="Run the optional act with a real local model when its extra is installed.",
        ),
    ] = True,
) -> None:
    """Show a whole release on the bundled example: blocked, fixed, cleared, rolled out."""
    source = example or default_example()
    if not (source / "clearance.yaml").is_file():
        raise UsageError(
            f"example not found at {source}",
            fix="run from a clone of the repository, or pass --example PATH",
        )
    started = time.perf_counter()
    demo_run = DemoRun(source, out_dir)
    demo_run.act_blocked()
    demo_run.act_cleared()
    demo_run.act_rollout()
    if local_model:
        demo_run.act_local_model()
    demo_run.finish(time.perf_counter() - started)


class DemoRun:
    """The demo's state: where things are written, and what has been produced."""

    def __init__(self, source: Path, out_dir: Path) -> None:
        self.out = out_dir.resolve()
        if self.out.exists():
            shutil.rmtree(self.out)
        self.workdir = self.out / "support-assistant"
        shutil.copytree(
            source,
            self.workdir,
            ignore=shutil.ignore_patterns("__pycache__", "MODEL_CARD.md", "*.db"),
        )
        self.db = f"sqlite:///{self.out / 'clearance.db'}"
        self.artifacts: list[tuple[str, Path]] = []
        self.release = ""

    # ------------------------------------------------------------------ helpers

    def policy_path(self, fixed: bool) -> Path:
        path = self.workdir / "clearance.yaml"
        if not fixed:
            return path
        text = path.read_text(encoding="utf-8")
        for old, new in (_FIXED, _FIXED_LABEL, _FIXED_VERSION):
            text = text.replace(old, new)
        fixed_path = self.workdir / "clearance.v2.0.1.yaml"
        fixed_path.write_text(text, encoding="utf-8")
        return fixed_path

    def note(self, label: str, path: Path) -> None:
        self.artifacts.append((label, path))

    def check(self, fixed: bool) -> CheckOutcome:
        from clearance.cli._eval_cmds import _ProgressDisplay
        from clearance.evals import EvalConfig
        from clearance.policy import load_policy
        from clearance.release import run_check
        from clearance.store import open_store

        policy = load_policy(self.policy_path(fixed))
        with open_store(self.db) as store, _ProgressDisplay() as bar:
            return run_check(
                policy,
                store,
                EvalConfig(concurrency=32),
                actor="ci",
                on_progress=bar.update if bar else None,
            )

    # ------------------------------------------------------------------ acts

    def act_blocked(self) -> None:
        from clearance.report import render_html, render_junit, render_table

        console.print(Rule("[bold]1. clearance check: v2.0.0 (candidate) vs v1.4.2 (production)"))
        console.print(
            "v2 answers more support questions, but it follows instructions hidden in "
            "documents it reads, and it is slower and wordier.\n"
        )
        outcome = self.checked_with_cards(
            fixed=False, cards=[("system", "SYSTEM_CARD-v2.0.0.md", True)]
        )
        report = outcome.report
        console.print(
            render_table(report, width=max(console.width, 120), color=console.is_terminal)
        )
        self.write(
            "HTML report, v2.0.0 (blocked)",
            "report-v2.0.0.html",
            render_html(report, latency=outcome.latency),
        )
        self.write("JUnit, v2.0.0", "junit-v2.0.0.xml", render_junit(report))

    def act_cleared(self) -> None:
        from clearance.report import render_html, render_junit, render_table

        console.print(Rule("[bold]2. The fix, v2.0.1: documents are data; fast and terse again"))
        cards = [
            ("system", "SYSTEM_CARD-v2.0.1.md", True),
            ("model", "MODEL_CARD-v2.0.1.md", False),
        ]
        outcome = self.checked_with_cards(fixed=True, cards=cards)
        report = outcome.report
        self.release = outcome.release
        console.print(
            render_table(report, width=max(console.width, 120), color=console.is_terminal)
        )
        self.write(
            "HTML report, v2.0.1 (cleared)",
            "report-v2.0.1.html",
            render_html(report, latency=outcome.latency),
        )
        self.write("JUnit, v2.0.1", "junit-v2.0.1.xml", render_junit(report))
        self.check_cards(fixed=True, cards=cards)

    def act_rollout(self) -> None:
        from clearance.cli._demo_rollout import rollout_act

        rollout_act(self)

    def act_local_model(self) -> None:
        from clearance.cli._demo_local import local_model_act

        local_model_act(self)

    def checked_with_cards(
        self, *, fixed: bool, cards: list[tuple[str, str, bool]]
    ) -> CheckOutcome:
        """Check, write the cards from that recorded check, and check again.

        A card states a recorded check, and the documentation area of a check measures
        the card on disk: the first check (which runs the evals) finds no card, the
        second reuses the results and finds the card, and the cards are written once
        more so they state the decision that counts them. As in CI: check, card, check.
        """
        self.check(fixed)
        self.write_cards(fixed, cards)
        outcome = self.check(fixed)
        self.write_cards(fixed, cards)
        return outcome

    def card_file(self, fixed: bool, kind: str, name: str, to_policy: bool) -> Path:
        from clearance.policy import load_policy
        from clearance.release import card_path

        return card_path(load_policy(self.policy_path(fixed))) if to_policy else self.out / name

    def write_cards(self, fixed: bool, cards: list[tuple[str, str, bool]]) -> None:
        from clearance.cli._outputs import write_atomic
        from clearance.policy import load_policy
        from clearance.release import write_card
        from clearance.release._card import latest_check
        from clearance.store import open_store

        policy = load_policy(self.policy_path(fixed))
        with open_store(self.db) as store:
            recorded = latest_check(store, policy)

        def save(path: Path, text: str) -> None:
            write_atomic(path, text, what="the card", fix=f"make {self.out} writable")

        for kind, name, to_policy in cards:
            path = self.card_file(fixed, kind, name, to_policy)
            write_card(policy, recorded, path, save=save, kind=kind)
            if to_policy:
                shutil.copy(path, self.out / name)
            label = f"{kind} card, {'v2.0.1' if fixed else 'v2.0.0'}"
            if (label, self.out / name) not in self.artifacts:
                self.note(label, self.out / name)

    def check_cards(self, *, fixed: bool, cards: list[tuple[str, str, bool]]) -> None:
        """``clearance card --check`` on each card: complete, and the latest check's."""
        from clearance.cards import check_card, load_card
        from clearance.errors import RuntimeFailure
        from clearance.policy import load_policy
        from clearance.release._card import latest_check
        from clearance.store import open_store

        policy = load_policy(self.policy_path(fixed))
        with open_store(self.db) as store:
            report = latest_check(store, policy).report
        for kind, name, to_policy in cards:
            path = self.card_file(fixed, kind, name, to_policy)
            problems = check_card(
                load_card(path),
                evidence_hash=report.evidence_hash,
                decision=report.decision,
                policy_hash=policy.source.digest if policy.source is not None else None,
            )
            if problems:
                raise RuntimeFailure(f"the demo's {kind} card fails its check: {problems[0]}")
        console.print(f"cards checked: {len(cards)} complete and current ({report.decision})")

    def write(self, label: str, name: str, text: str) -> Path:
        path = self.out / name
        path.write_text(text, encoding="utf-8")
        self.note(label, path)
        return path

    def finish(self, seconds: float) -> None:
        console.print(Rule("[bold]Artifacts"))
        for label, path in self.artifacts:
            console.print(f"  {label:<38} {path}", soft_wrap=True)
        console.print(f"  {'store (SQLite)':<38} {self.db}", soft_wrap=True)
        console.print(Rule("[bold]Next"))
        policy = self.workdir / "clearance.v2.0.1.yaml"
        console.print(f"  clearance audit verify --db {self.db}", soft_wrap=True)
        console.print(f"  clearance audit log --db {self.db}", soft_wrap=True)
        console.print(f"  clearance check -p {policy} --db {self.db} -f markdown", soft_wrap=True)
        console.print(
            f"  clearance card -p {policy} --db {self.db} --check {self.workdir / 'MODEL_CARD.md'}"
        )
        console.print("  clearance init   # start your own policy")
        console.print(f"\ndemo finished in {seconds:.0f} s")

"""Checks across sections of a valid policy: names used in one place must exist in another."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path as FsPath

from clearance.policy._models import BuiltinSuite, ImportedSuite, ImportedTarget, Policy, UserSuite
from clearance.policy._problems import PolicyErrors, Problem
from clearance.policy._suggest import did_you_mean
from clearance.policy._vocab import AREAS, BUILTIN_METRICS, BUILTIN_SUITES, USER_SUITE_METRICS
from clearance.policy._yamlmap import Located, Path

PathMap = Callable[[Path], Path]


def known_metrics(policy: Policy) -> list[str]:
    """Every metric a gate of this policy may name."""
    metrics = list(BUILTIN_METRICS)
    for suite in policy.suites:
        names = (
            BUILTIN_SUITES[suite.name] if isinstance(suite, BuiltinSuite) else USER_SUITE_METRICS
        )  # an imported suite also reports one metric per scorer of its files
        metrics.extend(f"{suite.name}.{m}" for m in names)
    return metrics


def cross_check(policy: Policy, located: Located, file: str) -> None:
    """Raise :class:`PolicyErrors` listing every inconsistency, if there is any."""
    problems = cross_problems(policy, located, file)
    if problems:
        raise PolicyErrors(problems)


def cross_problems(
    policy: Policy, located: Located, file: str, where: PathMap | None = None
) -> list[Problem]:
    """Every inconsistency of ``policy``; ``where`` maps a path of the validated data
    back onto the file's (when items were left out before validation)."""
    out: list[Problem] = []
    for path, message, fix in _problems(policy, located, file):
        original = where(path) if where is not None else path
        line, column = located.position(original)
        where_text = ".".join(str(p) for p in original)
        out.append(Problem(file, line, column, where_text, message, fix))
    return out


Issue = tuple[Path, str, str]


def _problems(policy: Policy, located: Located, file: str) -> Iterator[Issue]:
    yield from _suite_problems(policy, file)
    yield from _gate_problems(policy)
    yield from _rollout_problems(policy)
    yield from _trigger_problems(policy)


def _suite_problems(policy: Policy, file: str) -> Iterator[Issue]:
    seen: set[str] = set()
    folder = FsPath(file).parent
    for i, suite in enumerate(policy.suites):
        if suite.name in seen:
            yield (
                ("suites", i),
                f"suite '{suite.name}' is declared twice",
                "give each suite a unique name",
            )
        seen.add(suite.name)
        path = suite.path if isinstance(suite, UserSuite | BuiltinSuite) else None
        if path and not (folder / path).exists():
            yield (
                ("suites", i, "path"),
                f"dataset '{path}' does not exist",
                f"paths are relative to {folder.resolve()}; fix the path or create the file",
            )
        if isinstance(suite, BuiltinSuite) and suite.judge:
            yield from _model_judge_problems(policy, suite, i)
        if isinstance(suite, ImportedSuite):
            yield from _import_problems(policy, suite, i, folder)
        else:
            yield from _live_suite_problems(policy, suite, i)


def _import_problems(
    policy: Policy, suite: ImportedSuite, i: int, folder: FsPath
) -> Iterator[Issue]:
    for role in ("candidate", "baseline"):
        run = suite.run(role)
        if run is not None and not (folder / run.path).exists():
            yield (
                ("suites", i, role),
                f"the {suite.tool} result file '{run.path}' does not exist",
                f"paths are relative to {folder.resolve()}; fix the path or run the tool first",
            )


def _live_suite_problems(policy: Policy, suite: object, i: int) -> Iterator[Issue]:
    for role in ("candidate", "baseline"):
        if isinstance(getattr(policy.targets, role), ImportedTarget):
            name = getattr(suite, "name", "?")
            yield (
                ("suites", i),
                f"suite '{name}' is run against targets.{role}, which is 'adapter: "
                "imported' (it answers no requests)",
                f"declare a live targets.{role} (openai, python or recorded), or import "
                "this suite's results with 'import:'",
            )


def _model_judge_problems(policy: Policy, suite: BuiltinSuite, i: int) -> Iterator[Issue]:
    where: Path = ("suites", i, "judge")
    if suite.builtin == "consistency":
        yield (
            where,
            "the consistency suite has no per-sample verdict for a model judge to check",
            "remove 'judge: true' from it (it is scored by agreement across repeats)",
        )
    elif policy.targets.judge is None:
        yield (
            where,
            f"suite '{suite.name}' asks for a model judge (judge: true) but the policy "
            "has no judge target",
            "add targets.judge (e.g. adapter: openai with base_url and model), "
            "or remove 'judge: true'",
        )


def imported_suite_of(policy: Policy, metric: str) -> ImportedSuite | None:
    """The imported suite a metric ``NAME.SCORER`` belongs to, if it names one (its
    scorers are the files', known only when they are read)."""
    name = metric.rpartition(".")[0]
    for suite in policy.suites:
        if isinstance(suite, ImportedSuite) and suite.name == name:
            return suite
    return None


def _gate_problems(policy: Policy) -> Iterator[Issue]:
    metrics = known_metrics(policy)
    for area in AREAS:
        for i, gate in enumerate(getattr(policy.gates, area)):
            where: Path = ("gates", area, i, "metric")
            imported = imported_suite_of(policy, gate.metric)
            if imported is not None:
                if gate.vs_baseline and imported.baseline is None:
                    yield (
                        ("gates", area, i, "vs_baseline"),
                        f"a vs_baseline gate on '{imported.name}' needs its baseline file",
                        f"add 'baseline:' to suite '{imported.name}', or use 'min'/'max'",
                    )
                continue
            if gate.metric not in metrics:
                hint = did_you_mean(gate.metric, metrics) or (
                    "declare the suite under 'suites', or use a built-in metric "
                    "(see 'clearance schema')"
                )
                yield where, f"gate metric '{gate.metric}' is not reported by any suite", hint
            if gate.vs_baseline and policy.targets.baseline is None:
                yield (
                    ("gates", area, i, "vs_baseline"),
                    "a vs_baseline gate needs a baseline target",
                    "add targets.baseline, or use 'min'/'max' instead",
                )


def _rollout_problems(policy: Policy) -> Iterator[Issue]:
    for i, stage in enumerate(policy.rollout.stages):
        for j, duty in enumerate(stage.approvals):
            owners = getattr(policy.owners, duty)
            if not owners.people:
                yield (
                    ("rollout", "stages", i, "approvals", j),
                    f"stage '{stage.label}' requires approval by '{duty}' but no one holds it",
                    f"name people under owners.{duty}",
                )
            elif len(set(owners.people)) < owners.min_approvals:
                yield (
                    ("owners", duty, "min_approvals"),
                    f"{owners.min_approvals} approvals required but only "
                    f"{len(set(owners.people))} people hold '{duty}'",
                    "lower min_approvals or name more people",
                )


def _trigger_problems(policy: Policy) -> Iterator[Issue]:
    seen: set[str] = set()
    tools = {tool.name for tool in policy.card.tools}
    for i, trigger in enumerate(policy.triggers):
        if trigger.label in seen:
            yield (
                ("triggers", i),
                f"two triggers are named '{trigger.label}'",
                "give each trigger a unique 'name'",
            )
        seen.add(trigger.label)
        if trigger.tool and tools and trigger.tool not in tools:
            yield (
                ("triggers", i, "tool"),
                f"tool '{trigger.tool}' is not declared in card.tools",
                "declare it under card.tools or fix the name",
            )

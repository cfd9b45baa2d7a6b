"""From a policy's ``suites:`` to loaded, hashed suite plans, before anything runs."""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearance.errors import UsageError
from clearance.evals._datasets import load_dataset
from clearance.evals._sample import Sample
from clearance.evals._scoring import build_scorer
from clearance.evals.scorers import ResponseScorer
from clearance.policy import BuiltinSuite, Policy, Suite, UserSuite
from clearance.targets import Target
from clearance.targets._fingerprint import file_digest


@dataclass(frozen=True, slots=True)
class SuitePlan:
    """One suite ready to run.

    Attributes:
        name: The suite's name (metric prefix).
        samples: Every sample, fully loaded and validated.
        scorer: How responses are scored; None stores responses unscored.
        repeats: Runs per sample.
        suite_hash: sha256 of the samples' source, the scorer and the repeats: a stored
            run is resumable or reusable only while this is unchanged.
    """

    name: str
    samples: list[Sample]
    scorer: ResponseScorer | None
    repeats: int
    suite_hash: str

    @property
    def total(self) -> int:
        return len(self.samples) * self.repeats


def plan_suites(
    policy: Policy,
    names: list[str] | None = None,
    *,
    limit: int | None = None,
    judge: Target | None = None,
) -> list[SuitePlan]:
    """Load every selected suite (all of them, before any runs).

    Raises:
        UsageError: a requested suite is not in the policy.
        DataError: a dataset is malformed.
    """
    chosen = _select(policy.suites, names)
    folder = policy.source.folder if policy.source is not None else Path.cwd()
    plans = []
    for suite in chosen:
        if isinstance(suite, UserSuite):
            plans.append(_user_plan(suite, folder, limit, judge))
        else:
            plans.append(_builtin_plan(suite, folder, limit))
    return plans


def _select(suites: list[Suite], names: list[str] | None) -> list[Suite]:
    if not names:
        return list(suites)
    known = {suite.name: suite for suite in suites}
    missing = [name for name in names if name not in known]
    if missing:
        raise UsageError(
            f"no suite named {', '.join(repr(m) for m in missing)} in the policy",
            fix=f"choose from: {', '.join(known) or '(none defined)'}",
        )
    return [known[name] for name in names]


def _user_plan(
    suite: UserSuite, folder: Path, limit: int | None, judge: Target | None
) -> SuitePlan:
    path = Path(suite.path) if Path(suite.path).is_absolute() else folder / suite.path
    samples = load_dataset(path, suite.format)
    cap = limit or suite.limit
    if cap is not None:
        samples = samples[:cap]
    source = file_digest(path) if path.is_file() else _ids_digest(samples)
    identity = {
        "source": source,
        "scorer": suite.scorer.model_dump(mode="json"),
        "repeats": suite.repeats,
        "limit": cap,
    }
    return SuitePlan(
        suite.name, samples, build_scorer(suite.scorer, judge), suite.repeats, _digest(identity)
    )


def _builtin_plan(suite: BuiltinSuite, folder: Path, limit: int | None) -> SuitePlan:
    suites: Any = importlib.import_module("clearance.evals.suites")
    loader = getattr(suites, "load_builtin", None)
    if loader is None:
        raise UsageError(
            f"built-in suite '{suite.builtin}' is not available in this version",
            fix="remove it from 'suites:' or run user suites with --suite NAME",
        )
    path = None if suite.path is None else folder / suite.path
    data = loader(suite.builtin, path=path)
    # Fresh canaries and personal data for every run: no run can be passed by memory.
    filled, _planted = suites.materialize(data.samples[: limit or suite.limit])
    samples = [_from_builtin(item, suite.builtin) for item in filled]
    scorer_for = getattr(suites, "scorer_for", None)
    scorer = scorer_for(suite.builtin) if scorer_for is not None else None
    identity = {
        "source": data.content_hash,
        "version": data.version,
        "repeats": suite.repeats,
        "limit": limit or suite.limit,
    }
    return SuitePlan(suite.builtin, samples, scorer, suite.repeats, _digest(identity))


def _from_builtin(item: Any, suite: str) -> Sample:
    meta = {**dict(item.metadata), "expected": item.expected, "channel": item.channel}
    # Injection success is reported by channel (direct, document, email, web, tool result).
    category = item.channel if suite == "prompt-injection" else item.category
    return Sample(id=item.id, messages=tuple(item.messages), category=category, metadata=meta)


def _ids_digest(samples: list[Sample]) -> str:
    return _digest({"samples": [[s.id, s.input, s.messages, s.target] for s in samples]})


def _digest(identity: dict[str, Any]) -> str:
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()

"""From a policy's ``suites:`` to loaded, hashed suite plans, before anything runs."""

from __future__ import annotations

import hashlib
import heapq
import importlib
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from clearance.common import canonical_sha256, file_sha256
from clearance.errors import UsageError
from clearance.evals._datasets import load_dataset
from clearance.evals._model_judge import model_judge
from clearance.evals._sample import Sample
from clearance.evals._scoring import Reviewer, build_scorer
from clearance.evals.scorers import ResponseScorer
from clearance.evals.scorers._version import judges_version
from clearance.policy import BuiltinSuite, Policy, Suite, UserSuite
from clearance.targets import Target

DEFAULT_SEED = 0
"""The seed of limited runs: candidate and baseline, and every later check, draw the same
samples, so their results pair and stored runs stay reusable."""

NO_CATEGORY = "(none)"
"""The stratum of a user sample without a category, in a suite where others have one."""

_STRATIFIED = "stratified/1"
"""Names the sampling rule in a suite's hash: a new rule must not reuse runs of the old."""

Item = TypeVar("Item")
Method = Literal["all", "stratified", "first"]


@dataclass(frozen=True, slots=True)
class Sampling:
    """Which of a suite's samples a run covers, and how they were chosen.

    Attributes:
        method: ``all`` (no limit, or one at least the suite's size); ``stratified``
            (a seeded sample by category: proportional allocation, at least one per
            category when the limit allows, chosen samples in file order); ``first``
            (the first N rows in file order: a user suite without a ``category`` column).
        available: Samples in the suite.
        by: What the strata are: ``category``, or ``channel`` for prompt injection (the
            grouping the suite reports by).
        seed: The seed of a stratified sample, else None.
        limit: The limit applied, else None.
        chosen: Samples run per category, in the suite's first-seen order (every
            category of the suite, 0 for one left out).
        available_by_category: The suite's samples per category, same order.
        count: Samples run (each repeated ``repeats`` times).
    """

    method: Method
    available: int
    by: str = "category"
    seed: int | None = None
    limit: int | None = None
    chosen: dict[str, int] = field(default_factory=dict)
    available_by_category: dict[str, int] = field(default_factory=dict)
    count: int = 0

    @property
    def missing(self) -> list[str]:
        """Categories of the suite with no sample in the run."""
        return [name for name, n in self.chosen.items() if n == 0]

    @property
    def covered(self) -> int:
        return sum(1 for n in self.chosen.values() if n)

    @property
    def note(self) -> str:
        """One line for a person: what the run covers of the suite."""
        if self.method == "all":
            return f"all {self.available} samples"
        head = f"{self.count} of {self.available} samples"
        if self.method == "first":
            return f"{head}, the first in file order (no {self.by} column to stratify by)"
        total = len(self.chosen)
        plural = "categories" if self.by == "category" else "channels"
        sizes = {n for n in self.chosen.values() if n}
        parts = ", ".join(f"{name} {n}" for name, n in self.chosen.items() if n)
        if self.missing:
            spread = f"{self.covered} of {total} {plural} ({parts})"
        elif len(sizes) == 1:
            spread = f"all {total} {plural}, {sizes.pop()} each"
        else:
            spread = f"all {total} {plural} ({parts})"
        text = f"{head}, stratified by {self.by} (seed {self.seed}): {spread}"
        if self.missing:
            text += f"; not sampled: {', '.join(self.missing)}"
        return text


class LazySamples(Sequence[Sample]):
    """Samples made on first use: a built-in suite's canaries and personal data are
    planted only when a sample is to be sent, not when a stored run is reused (a warm
    ``clearance check`` plans every suite). Its length is known without making them."""

    def __init__(self, count: int, make: Callable[[], list[Sample]]) -> None:
        self._count = count
        self._make = make
        self._made: list[Sample] | None = None

    def _samples(self) -> list[Sample]:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Sample: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Sample]: ...
    def __getitem__(self, index: int | slice) -> Sample | Sequence[Sample]:
        return self._samples()[index]

    def __iter__(self) -> Iterator[Sample]:
        return iter(self._samples())


@dataclass(frozen=True, slots=True)
class SuitePlan:
    """One suite ready to run.

    Attributes:
        name: The suite's name (metric prefix).
        samples: Every sample, fully loaded and validated.
        scorer: How responses are scored; None stores responses unscored.
        repeats: Runs per sample.
        suite_hash: sha256 of the samples' source, the scorer and the repeats (and, for a
            limited run, the sampling rule and seed): a stored run is resumable or
            reusable only while this is unchanged.
        sampling: Which samples of the suite the run covers (see :class:`Sampling`).
        reviewer: A model judge's advisory second opinion on every scored response
            (built-in suites with ``judge: true``), else None.
    """

    name: str
    samples: Sequence[Sample]
    scorer: ResponseScorer | None
    repeats: int
    suite_hash: str
    sampling: Sampling = field(default_factory=lambda: Sampling("all", 0))
    reviewer: Reviewer | None = None

    @property
    def total(self) -> int:
        return len(self.samples) * self.repeats


def plan_suites(
    policy: Policy,
    names: list[str] | None = None,
    *,
    limit: int | None = None,
    judge: Target | None = None,
    seed: int = DEFAULT_SEED,
) -> list[SuitePlan]:
    """Load every selected suite (all of them, before any runs).

    A limit (``limit``, else the suite's own) keeps a sample stratified by category,
    drawn with ``seed``: see :func:`stratified`. A user suite without categories keeps
    its first rows.

    Raises:
        UsageError: a requested suite is not in the policy.
        DataError: a dataset is malformed.
    """
    chosen = live_suites(policy.suites, names)
    folder = _folder(policy)
    plans = []
    for suite in chosen:
        if isinstance(suite, UserSuite):
            plans.append(_user_plan(suite, folder, limit, judge, seed))
        else:
            plans.append(_builtin_plan(suite, folder, limit, judge, seed))
    return plans


def plan_sampling(
    policy: Policy,
    names: list[str] | None = None,
    *,
    limit: int | None = None,
    seed: int = DEFAULT_SEED,
) -> dict[str, Sampling]:
    """What a limited run of each selected suite covers, as :func:`plan_suites` chooses
    it, without building scorers or planting values. Suites without a limit (neither
    ``limit`` nor their own) are left out: they run whole.

    Raises:
        UsageError: a requested suite is not in the policy.
        DataError: a dataset is malformed.
    """
    folder = _folder(policy)
    notes: dict[str, Sampling] = {}
    for suite in live_suites(policy.suites, names):
        cap = limit or suite.limit
        if cap is None:
            continue
        if isinstance(suite, UserSuite):
            _, sampling = _choose_user(_user_samples(suite, folder)[1], cap, seed)
        else:
            data, _ = _load_builtin(suite, folder)
            _, sampling = _choose_builtin(data, suite.builtin, cap, seed)
        notes[suite.name] = sampling
    return notes


def stratified(
    items: Sequence[Item], limit: int, key: Callable[[Item], str], seed: int, ids: list[str]
) -> tuple[list[Item], dict[str, int], dict[str, int]]:
    """A seeded sample of ``limit`` items stratified by ``key``.

    Each stratum (category) gets its proportional share of ``limit``, one sample at a
    time to the stratum furthest below its exact share, after one each when ``limit`` is
    at least the number of strata (with fewer, the largest strata get the samples). Within
    a stratum the samples are drawn at random from a generator seeded by ``seed``, the
    stratum's name and its items' ``ids``, so the same seed and content give the same
    samples, and editing one category does not redraw the others. The chosen items keep
    their order in ``items``.

    Returns:
        The chosen items, the count chosen per stratum and the count available per
        stratum (both in first-seen order).
    """
    members: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        members.setdefault(key(item), []).append(index)
    sizes = {name: len(indices) for name, indices in members.items()}
    shares = _allocate(sizes, min(limit, len(items)), seed)
    picked: list[int] = []
    for name, indices in members.items():
        rng = random.Random(_seed_bytes(seed, name, [ids[i] for i in indices]))
        picked.extend(rng.sample(indices, shares[name]))
    return [items[i] for i in sorted(picked)], shares, sizes


def _allocate(sizes: dict[str, int], limit: int, seed: int) -> dict[str, int]:
    """Samples per stratum: proportional to its size, one each first when ``limit``
    allows; ties go in an order drawn from ``seed`` (not the file's)."""
    total = sum(sizes.values())
    order = list(sizes)
    random.Random(_seed_bytes(seed, "", [f"{k}:{n}" for k, n in sizes.items()])).shuffle(order)
    rank = {name: position for position, name in enumerate(order)}
    shares = dict.fromkeys(sizes, 1 if limit >= len(sizes) else 0)
    # The deficit of a stratum, in units of 1/total: its exact share minus what it has.
    heap = [
        (-(limit * size - shares[name] * total), rank[name], name)
        for name, size in sizes.items()
        if shares[name] < size
    ]
    heapq.heapify(heap)
    for _ in range(limit - sum(shares.values())):
        _, position, name = heapq.heappop(heap)
        shares[name] += 1
        if shares[name] < sizes[name]:
            deficit = limit * sizes[name] - shares[name] * total
            heapq.heappush(heap, (-deficit, position, name))
    return shares


def _seed_bytes(seed: int, name: str, ids: list[str]) -> bytes:
    text = json.dumps([seed, name, ids], separators=(",", ":"))
    return hashlib.sha256(text.encode()).digest()


def _folder(policy: Policy) -> Path:
    return policy.source.folder if policy.source is not None else Path.cwd()


def live_suites(suites: list[Suite], names: list[str] | None) -> list[BuiltinSuite | UserSuite]:
    """The suites asked for that run against a target (imported ones run nothing)."""
    known = {suite.name: suite for suite in suites}
    missing = [name for name in names or [] if name not in known]
    if missing:
        raise UsageError(
            f"no suite named {', '.join(repr(m) for m in missing)} in the policy",
            fix=f"choose from: {', '.join(known) or '(none defined)'}",
        )
    chosen = [known[name] for name in names] if names else list(suites)
    return [s for s in chosen if isinstance(s, BuiltinSuite | UserSuite)]


def _user_samples(suite: UserSuite, folder: Path) -> tuple[Path, list[Sample]]:
    path = Path(suite.path) if Path(suite.path).is_absolute() else folder / suite.path
    return path, load_dataset(path, suite.format)


def _choose_user(
    samples: list[Sample], cap: int | None, seed: int
) -> tuple[list[Sample], Sampling]:
    if cap is None or cap >= len(samples):
        return samples, Sampling("all", len(samples), count=len(samples))
    if all(sample.category is None for sample in samples):
        return samples[:cap], Sampling("first", len(samples), limit=cap, count=cap)

    def key(sample: Sample) -> str:
        return sample.category if sample.category is not None else NO_CATEGORY

    return _stratify(samples, cap, key, seed, [s.id for s in samples], "category")


def _stratify(
    items: Sequence[Item],
    cap: int,
    key: Callable[[Item], str],
    seed: int,
    ids: list[str],
    by: str,
) -> tuple[list[Item], Sampling]:
    chosen, shares, sizes = stratified(items, cap, key, seed, ids)
    sampling = Sampling(
        "stratified",
        len(items),
        by=by,
        seed=seed,
        limit=cap,
        chosen=shares,
        available_by_category=sizes,
        count=len(chosen),
    )
    return chosen, sampling


def _identity_of(sampling: Sampling) -> dict[str, Any]:
    """What a stratified selection adds to a suite's hash (nothing for the other rules,
    whose hashes stay as they were)."""
    if sampling.method != "stratified":
        return {}
    return {"sampling": _STRATIFIED, "seed": sampling.seed}


def _user_plan(
    suite: UserSuite, folder: Path, limit: int | None, judge: Target | None, seed: int
) -> SuitePlan:
    path, loaded = _user_samples(suite, folder)
    cap = limit or suite.limit
    samples, sampling = _choose_user(loaded, cap, seed)
    source = file_sha256(path) if path.is_file() else _ids_digest(samples)
    identity = {
        "source": source,
        "scorer": suite.scorer.model_dump(mode="json"),
        "repeats": suite.repeats,
        "limit": cap,
        **_identity_of(sampling),
        **_judge_identity(suite, judge),
    }
    scorer = build_scorer(suite.scorer, judge)
    return SuitePlan(suite.name, samples, scorer, suite.repeats, _digest(identity), sampling)


def _judge_identity(suite: UserSuite, judge: Target | None) -> dict[str, str]:
    """A judge-scored suite's stored scores are the judge's: another judge model (or
    prompt, or parameters) must not reuse them."""
    if suite.scorer.kind != "judge" or judge is None:
        return {}
    return {"judge": str(getattr(judge, "fingerprint", ""))}


def _load_builtin(suite: BuiltinSuite, folder: Path) -> tuple[Any, Any]:
    suites: Any = importlib.import_module("clearance.evals.suites")
    loader = getattr(suites, "load_builtin", None)
    if loader is None:
        raise UsageError(
            f"built-in suite '{suite.builtin}' is not available in this version",
            fix="remove it from 'suites:' or run user suites with --suite NAME",
        )
    path = None if suite.path is None else folder / suite.path
    return loader(suite.builtin, path=path), suites


def _choose_builtin(
    data: Any, suite: str, cap: int | None, seed: int
) -> tuple[list[Any], Sampling]:
    items = list(data.samples)
    by = _category_key(suite)
    if cap is None or cap >= len(items):
        return items, Sampling("all", len(items), by=by, count=len(items))

    def key(item: Any) -> str:
        return _report_category(item, suite)

    return _stratify(items, cap, key, seed, [item.id for item in items], by)


def _builtin_plan(
    suite: BuiltinSuite, folder: Path, limit: int | None, judge: Target | None, seed: int
) -> SuitePlan:
    data, suites = _load_builtin(suite, folder)
    chosen, sampling = _choose_builtin(data, suite.builtin, limit or suite.limit, seed)

    def fill() -> list[Sample]:
        # Fresh canaries and personal data for every run: no run can be passed by memory.
        filled, _planted = suites.materialize(chosen)
        return [_from_builtin(item, suite.builtin) for item in filled]

    samples = LazySamples(len(chosen), fill)
    scorer_for = getattr(suites, "scorer_for", None)
    scorer = scorer_for(suite.builtin) if scorer_for is not None else None
    reviewer, judged_by = model_judge(suite, suites, judge)
    identity = {
        "source": data.content_hash,
        "version": data.version,
        "judges": judges_version(),
        "repeats": suite.repeats,
        "limit": limit or suite.limit,
        **_identity_of(sampling),
        **judged_by,
    }
    return SuitePlan(
        suite.builtin, samples, scorer, suite.repeats, _digest(identity), sampling, reviewer
    )


def _report_category(item: Any, suite: str) -> str:
    # E.g. injection success is reported by channel (direct, document, email, web, tool).
    return str(getattr(item, _category_key(suite)))


def _category_key(suite: str) -> str:
    """The sample field a built-in suite's results are broken down by (its table entry)."""
    from clearance.evals.suites import category_key

    return category_key(suite)


def _from_builtin(item: Any, suite: str) -> Sample:
    meta = {**dict(item.metadata), "expected": item.expected, "channel": item.channel}
    category = _report_category(item, suite)
    return Sample(id=item.id, messages=tuple(item.messages), category=category, metadata=meta)


def _ids_digest(samples: list[Sample]) -> str:
    return _digest({"samples": [[s.id, s.input, s.messages, s.target] for s in samples]})


def _digest(identity: dict[str, Any]) -> str:
    return canonical_sha256(identity, ascii_only=True, stringify=True)

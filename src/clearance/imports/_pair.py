"""How a candidate's imported items line up with the baseline's: matched, missing on
one side, or changed (same key, another question or answer)."""

from __future__ import annotations

from dataclasses import dataclass

from clearance.imports._model import ImportedItem, ImportedTask


@dataclass(frozen=True, slots=True)
class Pairing:
    """Items of two runs of one task, by pairing key (``id`` or ``id#repeat``)."""

    matched: tuple[str, ...]
    only_candidate: tuple[str, ...]
    only_baseline: tuple[str, ...]
    changed: tuple[str, ...]
    versions: tuple[str | None, str | None] = (None, None)

    @property
    def clean(self) -> bool:
        """Every item on both sides, unchanged, at the same task version."""
        same_version = self.versions[0] == self.versions[1]
        return same_version and not (self.only_candidate or self.only_baseline or self.changed)

    def problems(self) -> list[str]:
        """What keeps the two runs from being compared item by item, in words."""
        out = []
        if self.versions[0] != self.versions[1]:
            out.append(
                f"task version differs: candidate {self.versions[0]}, baseline {self.versions[1]}"
            )
        for what, keys in (
            ("on the candidate only", self.only_candidate),
            ("on the baseline only", self.only_baseline),
            ("changed between the runs (same id, other question or answer)", self.changed),
        ):
            if keys:
                out.append(f"{len(keys)} item(s) {what}: {', '.join(keys[:5])}")
        return out


def key_of(item: ImportedItem) -> str:
    """An item's pairing key as reports show it."""
    return item.sample_id if item.repeat == 0 else f"{item.sample_id}#{item.repeat}"


def pair(candidate: ImportedTask, baseline: ImportedTask) -> Pairing:
    """Line up two runs of the same task item by item."""
    ours = {key_of(i): i.digest for i in candidate.items}
    theirs = {key_of(i): i.digest for i in baseline.items}
    both = [k for k in ours if k in theirs]
    return Pairing(
        matched=tuple(k for k in both if ours[k] == theirs[k]),
        only_candidate=tuple(k for k in ours if k not in theirs),
        only_baseline=tuple(k for k in theirs if k not in ours),
        changed=tuple(k for k in both if ours[k] != theirs[k]),
        versions=(candidate.version, baseline.version),
    )

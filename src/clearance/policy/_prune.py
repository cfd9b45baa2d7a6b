"""Leave out what failed validation so the rest can still be cross-checked.

Only parts nothing else refers to are left out: unknown keys, and single gates,
triggers and rollout stages. Leaving out a suite, a target or an owner would make valid
references to it look broken, so any other error ends the check at the schema.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from clearance.policy._yamlmap import Path

_ITEM_LISTS: tuple[tuple[str, ...], ...] = (("triggers",), ("rollout", "stages"))
_GATE_AREAS = "gates"


def prunable(path: Path, kind: str) -> Path | None:
    """What to leave out for an error at ``path``: the key, the list item, or None."""
    for prefix in _ITEM_LISTS:
        n = len(prefix)
        if path[:n] == prefix and len(path) > n and isinstance(path[n], int):
            return path[: n + 1]
    if len(path) > 2 and path[0] == _GATE_AREAS and isinstance(path[2], int):
        return path[:3]
    if kind == "extra_forbidden" and path:
        return path
    return None


def prune(data: Any, cuts: list[Path]) -> tuple[Any, Callable[[Path], Path]]:
    """``data`` without ``cuts``, and a map from a path of the result back to ``data``'s."""
    out = copy.deepcopy(data)
    kept: dict[Path, list[int]] = {}
    for cut in sorted(set(cuts), key=len, reverse=True):
        parent = _get(out, cut[:-1])
        last = cut[-1]
        if isinstance(parent, dict):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int):
            kept.setdefault(cut[:-1], [])
            kept[cut[:-1]].append(last)
    for where, dropped in kept.items():
        parent = _get(out, where)
        if not isinstance(parent, list):
            continue
        indices = [i for i in range(len(parent)) if i not in dropped]
        parent[:] = [parent[i] for i in indices]
        kept[where] = indices

    def back(path: Path) -> Path:
        result: list[str | int] = []
        for part in path:
            indices = kept.get(tuple(result))
            if indices is not None and isinstance(part, int) and part < len(indices):
                part = indices[part]
            result.append(part)
        return tuple(result)

    return out, back


def _get(node: Any, path: Path) -> Any:
    for part in path:
        node = _step(node, part)
    return node


def _step(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None

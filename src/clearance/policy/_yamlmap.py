"""YAML parsing that remembers where every key and value stands in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from clearance.errors import PolicyError
from clearance.policy._problems import PolicyErrors, Problem

Path = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed YAML document and the 1-based (line, column) of every key path in it."""

    data: Any
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path) -> tuple[int | None, int | None]:
        """Position of ``path``, or of its nearest ancestor present in the file."""
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return mark
        return None, None


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (the second one would silently win)."""


def _walk(
    node: yaml.Node, path: Path, marks: dict[Path, tuple[int, int]], dupes: list[_Dupe]
) -> None:
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            at = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in seen:
                dupes.append(((*path, key), at))
                continue
            seen.add(key)
            child = (*path, key)
            marks[child] = at
            _walk(value_node, child, marks, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), marks, dupes)


_Dupe = tuple[Path, tuple[int, int]]


def _duplicates(dupes: list[_Dupe], marks: dict[Path, tuple[int, int]], file: str) -> None:
    """Raise one problem per repeated key (the second one would silently win)."""
    problems = [
        Problem(
            file,
            line,
            column,
            ".".join(str(p) for p in path),
            f"duplicate key '{path[-1]}' (first at line {marks[path][0]})",
            "remove one of the two; YAML would silently keep only the last",
        )
        for path, (line, column) in dupes
    ]
    if problems:
        raise PolicyErrors(problems)


def parse_yaml(text: str, file: str) -> Located:
    """Parse one YAML document, raising :class:`PolicyError` with the position on failure."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PolicyError(
            f"not valid YAML: {exc.problem or exc.context}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            fix="check indentation, colons and quoting around this place",
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}", file=file) from None
    if node is None:
        raise PolicyError(
            "the file is empty", file=file, fix="run 'clearance init' to write a complete policy"
        )
    marks: dict[Path, tuple[int, int]] = {}
    dupes: list[_Dupe] = []
    _walk(node, (), marks, dupes)
    _duplicates(dupes, marks, file)
    try:
        data = _Loader(text).construct_document(node)
    except yaml.YAMLError as exc:  # e.g. an unhashable key
        raise PolicyError(f"not valid YAML: {exc}", file=file) from None
    return Located(data=data, marks=marks)

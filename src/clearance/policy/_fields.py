"""Find which policy model sits at a key path (for "did you mean" suggestions)."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel


def model_at(
    root: type[BaseModel], path: tuple[str | int, ...], data: Any
) -> type[BaseModel] | None:
    """The model class describing the mapping at ``path`` of ``data``, if any."""
    current: Any = root
    node = data
    for part in path:
        model = _pick(current, node)
        if model is None:
            return None
        if isinstance(part, int):
            current = _item_type(current)
        else:
            field = model.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        node = node[part] if _indexable(node, part) else None
    return _pick(current, node)


def _indexable(node: Any, part: str | int) -> bool:
    if isinstance(part, int):
        return isinstance(node, list) and 0 <= part < len(node)
    return isinstance(node, Mapping) and part in node


def _item_type(annotation: Any) -> Any:
    annotation = _strip(annotation)
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    return annotation


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _pick(annotation: Any, node: Any) -> type[BaseModel] | None:
    """Resolve Optional/Union/Annotated/list to the model class matching ``node``."""
    annotation = _strip(annotation)
    if get_origin(annotation) is list:
        return None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        models = [m for m in (_pick(arg, node) for arg in get_args(annotation)) if m]
        return _by_tag(models, node)
    return None


def _by_tag(models: list[type[BaseModel]], node: Any) -> type[BaseModel] | None:
    if not models:
        return None
    if isinstance(node, Mapping):
        # Prefer the variant whose fields cover the most keys present (e.g. 'adapter').
        return max(models, key=lambda m: _score(m, node))
    return models[0]


def _score(model: type[BaseModel], node: Mapping[str, Any]) -> int:
    score = sum(1 for key in node if key in model.model_fields)
    tag = model.model_fields.get("adapter")
    if tag is not None and node.get("adapter") in get_args(tag.annotation):
        score += 100
    return score

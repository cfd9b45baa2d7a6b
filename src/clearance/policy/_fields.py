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
    models = _models_at(root, path, data)
    return _by_tag(models, _node(data, path))


def keys_at(root: type[BaseModel], path: tuple[str | int, ...], data: Any) -> list[str]:
    """Every key allowed at ``path``: the fields of the model there, the best-matching
    variant of a union first, then the other variants' fields."""
    models = _models_at(root, path, data)
    best = _by_tag(models, _node(data, path))
    ordered = ([best] if best else []) + [m for m in models if m is not best]
    return list(dict.fromkeys(name for m in ordered for name in m.model_fields))


def _models_at(root: type[BaseModel], path: tuple[str | int, ...], data: Any) -> list[Any]:
    current: Any = root
    node = data
    for part in path:
        if isinstance(part, int):
            current = _item_type(current)
        else:
            model = _by_tag(_models(current), node)
            field = model.model_fields.get(part) if model is not None else None
            if field is None:
                return []
            current = field.annotation
        node = node[part] if _indexable(node, part) else None
    return _models(current)


def _node(data: Any, path: tuple[str | int, ...]) -> Any:
    node = data
    for part in path:
        node = node[part] if _indexable(node, part) else None
    return node


def _indexable(node: Any, part: str | int) -> bool:
    if isinstance(part, int):
        return isinstance(node, list) and 0 <= part < len(node)
    return isinstance(node, Mapping) and part in node


def _item_type(annotation: Any) -> Any:
    annotation = _strip(annotation)
    if get_origin(annotation) in (Union, types.UnionType):  # Optional[list[X]]
        lists = [a for a in get_args(annotation) if get_origin(_strip(a)) is list]
        annotation = _strip(lists[0]) if lists else annotation
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    return None


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The model classes an annotation (Optional/Union/Annotated) may hold."""
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _models(arg)]
    return []


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

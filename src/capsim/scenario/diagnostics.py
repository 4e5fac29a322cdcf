"""Turning pydantic's validation errors into capsim problems: file, line, key path,
what was expected and what was found, with a "did you mean" for unknown keys."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from capsim.scenario.problems import KeyPath, Location, Problem, format_path, shown
from capsim.scenario.yamlsource import Document


def problems_from_validation(
    error: ValidationError, document: Document, root: type[BaseModel]
) -> list[Problem]:
    """One problem per pydantic error, located in ``document``; but a missing key that
    an unknown key beside it is a misspelling of is the same mistake: only the unknown
    key (its message says "did you mean") is reported."""
    items = error.errors(include_url=False)
    misspelt = set()
    for item in items:
        if item["type"] == "extra_forbidden":
            path = _yaml_path(tuple(item["loc"]), root)
            close = _close_name(path, root)
            if close is not None:
                misspelt.add((*path[:-1], close))
    problems = []
    for item in items:
        if item["type"] == "missing" and _yaml_path(tuple(item["loc"]), root) in misspelt:
            continue
        path, message, at_key = _explain(item, root)
        location = document.where(path, key=at_key) or Location("<scenario>")
        problems.append(Problem(location, format_path(path), message))
    return problems


def _explain(item: dict[str, Any], root: type[BaseModel]) -> tuple[KeyPath, str, bool]:
    path = _yaml_path(tuple(item["loc"]), root)
    kind = item["type"]
    if kind == "capsim":
        context = item.get("ctx") or {}
        inner = context.get("subkey")
        if inner is not None:
            path = (*path, *_split_subkey(inner))
        return path, context["message"], bool(context.get("at_key"))
    if kind == "extra_forbidden":
        return path, _unknown_key(path, root), True
    found = item.get("input")
    if kind == "missing":
        if isinstance(path[-1], int) and isinstance(found, list | tuple):  # a short tuple
            length = _tuple_length(path[:-1], root)
            expected = f"{length} items" if length else "more items"
            return path[:-1], f"expected {expected}, found {shown(found)}", False
        return path[:-1], f"missing key {path[-1]!r}", False
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        context = item.get("ctx") or {}
        key = context.get("discriminator", "").strip("'")
        tags = context.get("expected_tags") or ", ".join(
            repr(tag) for tag in _tags(annotation_at(path, root), key)
        )
        if kind == "union_tag_not_found":
            return path, f"missing key {key!r} (one of {tags})", False
        return (*path, key), f"expected one of {tags}, found {shown(context.get('tag'))}", False
    message = item["msg"]
    message = message[0].lower() + message[1:]
    message = message.replace("input should be", "expected", 1)
    message = re.sub(r"a valid dictionary or instance of \w+", "a mapping of keys", message)
    message = message.replace("a valid dictionary", "a mapping of keys")
    if kind.endswith("_type") or kind.endswith("_parsing") or kind.startswith("literal"):
        message += f", found {shown(found)}"
    elif kind.startswith(("greater", "less")):
        message = f"{message}, found {shown(found)}"
    return path, message, False


def _tuple_length(path: KeyPath, root: type[BaseModel]) -> int | None:
    """How many items the tuple at ``path`` has in the schema (None: not a fixed tuple)."""
    annotation = _unwrap(annotation_at(path, root))
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is tuple and args and Ellipsis not in args:
        return len(args)
    return None


def _tags(annotation: Any, key: str) -> list[str]:
    """The values the discriminator ``key`` may take in the union ``annotation``."""
    tags: list[str] = []
    for model in _models(annotation):
        field = model.model_fields.get(key)
        if field is not None:
            tags += [str(tag) for tag in typing.get_args(field.annotation)]
    return tags


def _split_subkey(inner: Any) -> KeyPath:
    parts = inner if isinstance(inner, tuple) else (inner,)
    split: list[Any] = []
    for part in parts:
        if isinstance(part, str) and part.endswith("]") and "[" in part:
            name, index = part[:-1].split("[", 1)
            split.extend((name, int(index)))
        else:
            split.append(part)
    return tuple(split)


def _yaml_path(loc: KeyPath, root: type[BaseModel]) -> KeyPath:
    """Drop pydantic's union tags from ``loc``, keeping the keys the YAML has."""
    path: list[Any] = []
    annotation: Any = root
    for part in loc:
        tagged = _tagged_model(annotation, part)
        if tagged is not None:
            annotation = tagged
            continue
        path.append(part)
        annotation = _child(annotation, part)
    return tuple(path)


def _tagged_model(annotation: Any, tag: Any) -> type[BaseModel] | None:
    options = _models(annotation)
    if len(options) < 2:
        return None
    for model in options:
        field = model.model_fields.get("kind")
        if field is not None and typing.get_args(field.annotation) == (tag,):
            return model
    return None


def _unknown_key(path: KeyPath, root: type[BaseModel]) -> str:
    close = _close_name(path, root)
    hint = f"; did you mean {close!r}?" if close is not None else ""
    allowed = ", ".join(sorted(set(_key_names(path, root))))
    return f"unknown key {path[-1]!r}{hint} (expected one of: {allowed})"


def _key_names(path: KeyPath, root: type[BaseModel]) -> list[str]:
    """The keys the mapping holding the last key of ``path`` may have."""
    annotation: Any = root
    for part in path[:-1]:
        annotation = _child(annotation, part)
    names: list[str] = []
    for model in _models(annotation):
        names += [field.alias or name for name, field in model.model_fields.items()]
    return names


def _close_name(path: KeyPath, root: type[BaseModel]) -> str | None:
    """The allowed key closest to the unknown last key of ``path``, if one is close."""
    close = difflib.get_close_matches(str(path[-1]), _key_names(path, root), n=1, cutoff=0.6)
    return close[0] if close else None


def _models(annotation: Any) -> list[type[BaseModel]]:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if _is_union(annotation):
        return [m for arg in typing.get_args(annotation) for m in _models(arg)]
    return []


def _child(annotation: Any, part: Any) -> Any:
    annotation = _unwrap(annotation)
    models = _models(annotation)
    for model in models:
        for name, field in model.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and args:
        return args[1]
    if origin in (list, tuple) and args:
        return args[0]
    if _is_union(annotation):
        for arg in args:
            found = _child(arg, part)
            if found is not None:
                return found
    return None


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def annotation_at(path: KeyPath, root: type[BaseModel]) -> Any:
    """The schema's type annotation at ``path`` (None where the schema has no such key)."""
    annotation: Any = root
    for part in path:
        annotation = _child(annotation, part)
        if annotation is None:
            return None
    return annotation


def is_parameter(annotation: Any) -> bool:
    """Whether ``annotation`` is a parameter or a series of parameters."""
    from capsim.scenario.params import Param
    from capsim.scenario.series import Series

    options = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    return any(_unwrap(option) in (Param, Series) for option in options)

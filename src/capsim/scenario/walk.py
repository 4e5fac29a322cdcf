"""Walking a scenario: every parameter and every entity source, with its key path."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from capsim.scenario.params import Param
from capsim.scenario.problems import KeyPath, format_path
from capsim.scenario.provenance import Source
from capsim.scenario.series import Series


def key_matches(path: str, pattern: str) -> bool:
    """Whether dotted key path ``path`` matches ``pattern``: ``*`` and ``?`` as in a
    glob, ``[`` as a list index (``points[1]``), never a character class."""
    return fnmatch.fnmatchcase(path, pattern.replace("[", "[[]"))


def iter_params(node: Any, path: KeyPath = ()) -> Iterator[tuple[str, Param]]:
    """Every :class:`Param` under ``node`` as (dotted key path, parameter)."""
    for key_path, param in _walk(node, path):
        yield format_path(key_path), param


def _walk(node: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Param]]:
    if isinstance(node, Param):
        yield path, node
    elif isinstance(node, Series):
        for inner, param in node.params():
            yield (*path, *inner), param
    elif isinstance(node, BaseModel):
        for name, field in type(node).model_fields.items():
            yield from _walk(getattr(node, name), (*path, field.alias or name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def iter_entity_sources(node: Any, path: KeyPath = ()) -> Iterator[tuple[str, Source | None]]:
    """Every entity that has a ``source`` field and a source or something for it to
    source, as (dotted key path, its source or None).

    An entity's source is for what is not a parameter (dates, ids, names, flags); an
    entity that holds only parameters, each with its own source (a contract's ``share``,
    an HBM generation's stacks per wafer and yield), needs none of its own.
    """
    if isinstance(node, BaseModel):
        fields = type(node).model_fields
        if "source" in fields and path and (node.source is not None or _holds_facts(node)):
            yield format_path(path), node.source
        for name, field in fields.items():
            yield from iter_entity_sources(getattr(node, name), (*path, field.alias or name))
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from iter_entity_sources(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_entity_sources(value, (*path, index))


def _holds_facts(entity: BaseModel) -> bool:
    """Whether ``entity`` was given a value that is not a parameter (its note aside)."""
    return any(
        not isinstance(getattr(entity, name), Param | Series | None)
        for name in entity.model_fields_set - {"source", "note"}
    )

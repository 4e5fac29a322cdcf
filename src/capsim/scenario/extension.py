"""A scenario file that ``extends`` another and replaces some of its parameters.

Composition replaces lists and series mappings whole (see :mod:`capsim.scenario.compose`),
so a parameter inside a list (``buildings[0].shell``) or a series
(``capacity.points[2]``) is written with its whole list or series, copied from the
base with that one parameter changed.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from capsim.files import written_whole
from capsim.scenario.compose import WHOLE_KEYS, parse_set_path, resolve_extends


def write_extension(
    base: Path,
    output: Path,
    *,
    name: str,
    description: str,
    parameters: dict[str, dict],
    header: str = "",
    check: Callable[[Path], object] | None = None,
    known: str | None = None,
) -> Path:
    """Write ``output``: a scenario extending ``base`` with ``parameters`` (key path ->
    parameter mapping such as ``{value: ..., source: ...}``) replaced; with ``known`` (an
    ISO date), each new value is dated ``known`` and keeps the base's as its ``prior``, so
    a scenario taken as known before that date still has the base's value. ``check`` is
    called on the written file before it takes ``output``'s name (e.g. to load it); if it
    raises, nothing is written. Returns ``output``."""
    merged = resolve_extends(base)[0].data
    tree: dict[str, Any] = {}
    for text, given in parameters.items():
        path = parse_set_path(text)
        mapping = given if known is None else _dated(given, _get(merged, path), known)
        cut = _whole_prefix(merged, path)
        if cut == len(path):
            _put(tree, path, mapping)
            continue
        container = _get(tree, path[:cut])
        if container is None:
            container = copy.deepcopy(_get(merged, path[:cut]))
            _put(tree, path[:cut], container)
        point = _get(container, path[cut:])
        dated = {"date": point["date"]} if isinstance(point, dict) and "date" in point else {}
        _put(container, path[cut:], {**dated, **mapping})
    relative = os.path.relpath(base.resolve(), output.resolve().parent)
    document = {
        "extends": Path(relative).as_posix(),
        "name": name,
        "description": description,
        **tree,
    }
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    comment = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    with written_whole(output) as temporary:
        temporary.write_text(comment + text, encoding="utf-8")
        if check is not None:
            check(temporary)
    return output


def _dated(mapping: dict, before: Any, known: str) -> dict:
    """``mapping`` known from ``known`` with ``before`` (the value it replaces, as written)
    as its prior; as it is when nothing was written before."""
    if before is None:
        return mapping
    if not isinstance(before, dict):
        before = {"value": before}
    prior = {key: value for key, value in before.items() if key != "date"}
    prior.setdefault("source", "the value before it was replaced")
    return {**mapping, "known": known, "prior": prior}


def _whole_prefix(data: Any, path: tuple) -> int:
    """Length of the shortest prefix of ``path`` whose node is replaced whole when merged."""
    node = data
    for depth, part in enumerate(path):
        if depth > 0 and (
            isinstance(node, list) or (isinstance(node, dict) and WHOLE_KEYS & set(node))
        ):
            return depth
        node = node[part]
    return len(path)


def _get(data: Any, path: tuple) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _put(data: Any, path: tuple, value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
    node[path[-1]] = value

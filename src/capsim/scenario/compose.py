"""Composition: a scenario ``extends`` a base file and overrides parts of it, and
``--set PATH=VALUE`` overrides from the command line.

Mappings merge key by key; lists and parameters (mappings with ``value``, ``dist``
or ``points``) are replaced whole, so a value never keeps a stale source.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from capsim.scenario.problems import (
    SET_PREFIX,
    KeyPath,
    Location,
    Problem,
    ScenarioError,
    format_path,
)
from capsim.scenario.roots import SUFFIXES, allowed_roots, inside, shipped_scenarios
from capsim.scenario.yamlsource import Document, read_yaml_file, read_yaml_text

WHOLE_KEYS = {"value", "dist", "points"}
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
SET_SOURCE = "assumption: set on the command line"


def resolve_extends(
    path: Path,
    chain: tuple[Path, ...] = (),
    *,
    allow_extends: Iterable[str | Path] = (),
    roots: tuple[Path, ...] | None = None,
) -> tuple[Document, list[Path]]:
    """Read ``path`` and every base it extends; the merged document and the files used.

    ``extends`` names one base file or a list of them, each a regular ``.yaml`` file
    inside ``path``'s folder tree, the shipped scenarios or a folder of
    ``allow_extends`` (see :mod:`capsim.scenario.roots`). Several bases are combined
    first: where two of them give one key different values and neither value comes
    from a file the other also extends, that is a conflict, reported with both
    locations, unless ``path`` itself states the value.
    """
    document = read_yaml_file(path)
    if roots is None:
        roots = allowed_roots(path, allow_extends)
    if document.data is None:
        raise ScenarioError([Problem(Location(str(path), 1, 1), "", _EMPTY)])
    if not isinstance(document.data, dict):
        found = type(document.data).__name__
        message = f"expected a mapping of scenario keys at the top level, found a {found}"
        raise ScenarioError([Problem(Location(str(path), 1, 1), "", message)])
    if chain:
        _check_is_scenario(document, path)
    names = document.data.pop("extends", None)
    if names is None:
        return document, [path]
    listed = isinstance(names, list)
    if not listed:
        names = [names]
    if not names:
        message = "expected the file name of a base scenario (or a list of them), found []"
        where = document.where(("extends",), key=True)
        raise ScenarioError([Problem(where, "extends", message)])
    seen = (*chain, path.resolve())
    resolved = []
    listed_at: dict[Path, int] = {}
    for index, name in enumerate(names):
        key = ("extends", index) if listed else ("extends",)
        base_path = _base_path(document, key, name, path, seen, roots=roots)
        first = listed_at.setdefault(_same(base_path), index)
        if first != index:
            message = f"{name} is listed twice (first as item {first + 1}); list each base once"
            raise ScenarioError([Problem(document.where(key), f"extends[{index}]", message)])
        resolved.append(resolve_extends(base_path, seen, roots=roots))
    base, files = resolved[0]
    problems: list[Problem] = []
    for other, other_files in resolved[1:]:
        conflicts: list[tuple] = []
        moved: list[KeyPath] = []
        replaced: list[KeyPath] = []
        _combine(
            base,
            set(map(_same, files)),
            other,
            set(map(_same, other_files)),
            (conflicts, moved, replaced),
        )
        _forget(base, replaced)
        _copy_locations(other, base, moved)
        problems += [
            _conflict(*conflict)
            for conflict in conflicts
            if not _states(document.data, conflict[0])
        ]
        files = [*files, *(f for f in other_files if _same(f) not in set(map(_same, files)))]
    if problems:
        raise ScenarioError(problems)
    merge_into(base, document)
    return base, [*files, path]


def _base_path(
    document: Document, key: KeyPath, name: Any, path: Path, seen: tuple, *, roots: tuple[Path, ...]
) -> Path:
    """The file a base ``name`` at ``key`` of ``document`` stands for; checked."""
    where = document.where(key, key=len(key) == 1)
    if not isinstance(name, str) or not name.strip():
        found = "an empty name" if isinstance(name, str) else _shown(name)
        message = f"expected the file name of a base scenario (or a list of them), found {found}"
        raise ScenarioError([Problem(where, format_path(key), message)])
    if "\0" in name:
        message = f"base scenario {name!r}: a file name cannot contain a NUL character"
        raise ScenarioError([Problem(where, format_path(key), message)])
    base_path = (path.parent / name).resolve()
    shipped = shipped_scenarios()
    bare = shipped is not None and Path(name).name == name  # may name a shipped scenario
    if not base_path.exists() and bare:
        # a bare file name not beside the scenario: one of the shipped scenarios
        base_path = (shipped / name).resolve()
    if base_path in seen:
        loop = " -> ".join(p.name for p in (*seen, base_path))
        raise ScenarioError([Problem(where, format_path(key), f"cyclic extends: {loop}")])
    if not inside(base_path, roots):
        allowed = ", ".join(str(root) for root in roots)
        message = (
            f"base scenario {name!r} ({base_path}) is outside the folders a scenario may "
            f"extend ({allowed}); allow its folder with --allow-extends DIR"
        )
        raise ScenarioError([Problem(where, format_path(key), message)])
    if base_path.suffix.lower() not in SUFFIXES:
        message = f"base scenario {name!r} is not a .yaml or .yml file"
        raise ScenarioError([Problem(where, format_path(key), message)])
    if not base_path.exists():
        looked = str(base_path)
        if bare:
            looked = f"{(path.parent / name).resolve()} and {base_path}"
        message = f"base scenario {name!r} not found (looked for {looked})"
        raise ScenarioError([Problem(where, format_path(key), message)])
    return base_path


def _check_is_scenario(document: Document, path: Path) -> None:
    """Refuse a base file whose top level has keys no scenario has, without echoing them
    (it may be a file that is not a scenario at all)."""
    from capsim.scenario.document import Scenario

    names = {field.alias or name for name, field in Scenario.model_fields.items()}
    foreign = [key for key in document.data if key not in names]
    if foreign:
        line = document.keys[(foreign[0],)][1]
        message = (
            f"not a scenario file: {len(foreign)} top-level key(s) that no scenario has "
            f"(the first on line {line})"
        )
        raise ScenarioError([Problem(Location(str(path)), "", message)])


def _same(file: Path | str) -> Path:
    return Path(file).resolve()


def _combine(
    base: Document,
    base_files: set[Path],
    other: Document,
    other_files: set[Path],
    found: tuple[list, list[KeyPath], list[KeyPath]],
    *,
    data: tuple[dict, dict] | None = None,
    path: KeyPath = (),
) -> None:
    """Merge the sibling ``other``'s data into ``base``'s in place, collecting in
    ``found`` the conflicts, the keys whose locations are to come from ``other`` and
    those whose locations in ``base`` are replaced (the caller moves the locations in
    one pass over each table).

    Of two different values, one read from a file both siblings extend gives way to
    the other; two values from files only one sibling reads conflict.
    """
    conflicts, moved, replaced = found
    target, source = data or (base.data, other.data)
    for key, value in source.items():
        child = (*path, key)
        if key not in target:
            target[key] = value
            moved.append(child)
            continue
        existing = target[key]
        if existing == value:
            continue
        if _mergeable(existing) and _mergeable(value):
            _combine(
                base, base_files, other, other_files, found, data=(existing, value), path=child
            )
            continue
        base_from = _same(base.values[child][0])
        other_from = _same(other.values[child][0])
        if base_from in other_files:
            target[key] = value
            replaced.append(child)
            moved.append(child)
        elif other_from not in base_files:
            conflicts.append((child, base.values[child], existing, other.values[child], value))


def _mergeable(value: Any) -> bool:
    return isinstance(value, dict) and not WHOLE_KEYS & set(value)


def _copy_locations(source: Document, target: Document, prefixes: list[KeyPath]) -> None:
    """Copy ``source``'s locations of everything under ``prefixes`` into ``target``."""
    if not prefixes:
        return
    under = _under(prefixes)
    for table, into in ((source.keys, target.keys), (source.values, target.values)):
        into.update({k: v for k, v in table.items() if under(k)})


def _under(prefixes: list[KeyPath]):
    """A test of whether a key path lies under (or is) one of ``prefixes``: it looks up
    the key's first parts at the prefixes' lengths only, one pass over a table of
    locations, however many prefixes there are."""
    wanted = set(prefixes)
    lengths = sorted({len(prefix) for prefix in wanted})

    def test(key: KeyPath) -> bool:
        return any(key[:n] in wanted for n in lengths)

    return test


def _states(data: Any, key: KeyPath) -> bool:
    """Whether ``data`` (the extending file) states the whole value at ``key``."""
    for part in key:
        if not _mergeable(data):
            return True
        if part not in data:
            return False
        data = data[part]
    return True


def _conflict(key: KeyPath, first: tuple, one: Any, second: tuple, other: Any) -> Problem:
    """Two base files give ``key`` different values: located at the second."""
    message = (
        f"two base files define this differently: {Location(*first)} has {_shown(one)}, "
        f"this file has {_shown(other)}; state the value in the extending file, or keep one"
    )
    return Problem(Location(*second), format_path(key), message)


def _shown(value: Any) -> str:
    """``value`` as it would be written in YAML (flow style, one line; text as it is)."""
    if isinstance(value, str) and "\n" not in value and value.strip() == value:
        return value
    return (
        yaml.safe_dump(value, default_flow_style=True, width=10**6)
        .strip()
        .removesuffix("...")
        .strip()
    )


_EMPTY = "empty scenario: expected a mapping with at least name and horizon"


def merge_into(base: Document, override: Document) -> None:
    """Merge ``override`` into ``base`` in place, data and locations."""
    replaced: list[KeyPath] = []
    _merge_data(base.data, override.data, (), replaced)
    _forget(base, replaced)
    base.keys.update(override.keys)
    base.values.update(override.values)


def _merge_data(target: dict, source: dict, path: KeyPath, replaced: list[KeyPath]) -> None:
    for key, value in source.items():
        child = (*path, key)
        existing = target.get(key)
        if isinstance(value, dict) and isinstance(existing, dict) and not WHOLE_KEYS & set(value):
            _merge_data(existing, value, child, replaced)
        else:
            if existing is not None:
                replaced.append(child)
            target[key] = value


def _forget(document: Document, paths: list[KeyPath]) -> None:
    """Drop the locations of everything under ``paths`` (they were replaced)."""
    if not paths:
        return
    under = _under(paths)
    for table in (document.keys, document.values):
        stale = [k for k in table if under(k)]
        for key in stale:
            del table[key]


def parse_set_path(text: str) -> KeyPath:
    """``"sites.a.buildings[0].shell"`` -> ``("sites", "a", "buildings", 0, "shell")``."""
    parts: list[Any] = []
    position = 0
    for match in _PATH_PART.finditer(text):
        if match.start() != position and text[position : match.start()] != ".":
            raise ValueError(f"cannot read key path {text!r}")
        parts.append(match[1] if match[1] is not None else int(match[2]))
        position = match.end()
    if not parts or position != len(text):
        raise ValueError(f"cannot read key path {text!r}")
    return tuple(parts)


def _sourced(path: KeyPath, parent: Any, value: Any) -> Any:
    """``value`` with the command line as its source, where ``path`` is a parameter."""
    from capsim.scenario.diagnostics import annotation_at, is_parameter
    from capsim.scenario.document import Scenario

    if is_parameter(annotation_at(path, Scenario)):
        if not isinstance(value, dict | list):
            return {"value": value, "source": SET_SOURCE}
        # a series mapping has no source of its own: its points carry theirs
        if (
            isinstance(value, dict)
            and "source" not in value
            and "points" not in value
            and WHOLE_KEYS & set(value)
        ):
            return {**value, "source": SET_SOURCE}
    elif isinstance(parent, dict) and WHOLE_KEYS & set(parent) and path[-1] != "source":
        parent["source"] = SET_SOURCE  # one key of a parameter's mapping was changed
    return value


def _inner(path: KeyPath, inner: str) -> str:
    """The key path of a problem at ``inner`` (as shown) inside the value set at ``path``."""
    if inner in ("", "(top level)"):
        return format_path(path)
    return format_path(path) + ("" if inner.startswith("[") else ".") + inner


def apply_override(document: Document, assignment: str) -> None:
    """Apply one ``PATH=VALUE`` (VALUE is YAML) to ``document``; raises ScenarioError."""
    where = Location(f"{SET_PREFIX}{assignment}")
    if "=" not in assignment:
        raise ScenarioError(
            [Problem(where, "", "expected PATH=VALUE, e.g. horizon.end=2032-12-31")]
        )
    path_text, value_text = assignment.split("=", 1)
    try:
        path = parse_set_path(path_text.strip())
    except ValueError as error:
        raise ScenarioError([Problem(where, "", str(error))]) from None
    if path[0] == "extends":
        message = (
            "cannot be set on the command line (bases are read with the file); "
            "write a scenario file that extends the bases instead"
        )
        raise ScenarioError([Problem(where, "extends", message)])
    try:
        value = read_yaml_text(value_text, f"{SET_PREFIX}{path_text}").data
    except ScenarioError as error:
        raise ScenarioError(
            [
                Problem(where, _inner(path, problem.path), problem.message)
                for problem in error.problems
            ]
        ) from None
    parent = document.data
    for depth, part in enumerate(path[:-1]):
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            missing = format_path(path[: depth + 1])
            raise ScenarioError([Problem(where, missing, "no such key in the scenario")]) from None
    last = path[-1]
    value = _sourced(path, parent, value)
    try:
        parent[last] = value
    except (IndexError, TypeError):
        raise ScenarioError(
            [Problem(where, format_path(path), "no such key in the scenario")]
        ) from None
    _forget(document, [path])
    document.keys[path] = document.values[path] = (where.file, None, None)

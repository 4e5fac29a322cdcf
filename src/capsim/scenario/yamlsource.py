"""Reading YAML into plain data, remembering where every key and value stands.

Uses libyaml (through PyYAML) to parse, and :mod:`capsim.scenario.yamlcompose` to
compose the node tree within limits; duplicate keys, which YAML forbids but PyYAML would
silently accept, are errors here, and so are values no calendar or number can hold
(``2031-02-30``).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from capsim.scenario.problems import KeyPath, Location, Problem, ScenarioError, format_path
from capsim.scenario.yamlcompose import compose


@dataclass
class Document:
    """Plain data from one YAML text and the location of each key path in it.

    Locations are kept as (file, line, column) tuples, cheap to make by the thousand,
    and become :class:`Location` objects only when a problem is reported.
    """

    data: Any
    keys: dict[KeyPath, tuple] = field(default_factory=dict)
    values: dict[KeyPath, tuple] = field(default_factory=dict)

    def where(self, path: KeyPath, *, key: bool = False) -> Location | None:
        """Location of ``path`` (its key if ``key``), else of its nearest ancestor."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            table = self.keys if key and end == len(path) else self.values
            if prefix in table:
                return Location(*table[prefix])
            if prefix in self.keys:
                return Location(*self.keys[prefix])
        return None


#: Largest scenario file read, in bytes (the largest shipped scenario has 66 kB).
MAX_FILE_BYTES = 4 * 1024 * 1024
#: The largest data file (observed series, build timelines) read [byte]: the shipped
#: ones are tens of kilobytes.
MAX_DATA_BYTES = 16 * 1024 * 1024


def read_yaml_file(path: Path) -> Document:
    """Read ``path``; raises :class:`ScenarioError` if it is missing, unreadable, not a
    regular file, larger than :data:`MAX_FILE_BYTES`, not UTF-8 or not safe YAML."""
    name = str(path)
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise ScenarioError([Problem(Location(name), "", "file not found")]) from None
    except ValueError:  # a NUL character in the name
        message = "cannot read the file (its name contains a NUL character)"
        raise ScenarioError([Problem(Location(repr(name)[1:-1]), "", message)]) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ScenarioError(
            [Problem(Location(name), "", f"cannot read the file ({reason})")]
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        start = data.rfind(b"\n", 0, error.start) + 1
        column = len(data[start : error.start].decode("utf-8", errors="replace")) + 1
        byte = data[error.start : error.start + 1].hex().upper()
        message = f"not valid UTF-8 text (byte 0x{byte}); save the file as UTF-8"
        raise ScenarioError([Problem(Location(name, line, column), "", message)]) from None
    return read_yaml_text(text, name)


def read_regular_file(path: Path, limit: int, what: str = "a scenario file") -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes (``what`` it is
    meant to be, for messages).

    Raises OSError (with a reason for people) for a folder, a FIFO, a device or a file
    too large; never blocks on a FIFO and never reads more than ``limit + 1`` bytes.
    """
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise OSError(errno.EINVAL, f"{kind}: expected {what}", str(path))
    with os.fdopen(descriptor, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(
            errno.EFBIG, f"larger than the limit of {limit // 1024:,} KiB for {what}", str(path)
        )
    return data


def read_yaml_text(text: str, name: str) -> Document:
    """Parse YAML ``text`` safely (see :mod:`capsim.scenario.yamlcompose`); ``name`` is
    used in messages."""
    node = compose(text, name)
    document = Document(None)
    document.values[()] = (name, 1, 1)
    if node is not None:
        builder = _Builder(document, name)
        document.data = builder.plain(node, ())
        if builder.problems:
            raise ScenarioError(builder.problems)
    return document


class _Builder:
    """Turns a node tree into plain data, recording locations and duplicate keys."""

    def __init__(self, document: Document, name: str):
        self.document = document
        self.name = name
        self.scalars = SafeConstructor()
        self.problems: list[Problem] = []

    def _at(self, node: Node) -> tuple:
        mark = node.start_mark
        return (self.name, mark.line + 1, mark.column + 1)

    def plain(self, node: Node, path: KeyPath) -> Any:
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            result = []
            for index, item in enumerate(node.value):
                self.document.values[(*path, index)] = self._at(item)
                result.append(self.plain(item, (*path, index)))
            return result
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        return None

    def _scalar(self, node: ScalarNode, path: KeyPath) -> Any:
        try:
            value = self.scalars.construct_object(node)
        except (ValueError, OverflowError, ConstructorError) as error:
            self.scalars.recursive_objects.pop(node, None)  # left behind by the failure
            if node.tag.endswith(":timestamp"):
                message = f"not a calendar date: {node.value!r} ({error})"
            elif len(node.value) > 100:
                message = f"a number of {len(node.value):,} characters is too long to read"
            else:
                message = f"cannot read {node.value!r} as a value ({error})"
            self.problems.append(Problem(Location(*self._at(node)), format_path(path), message))
            return None
        if isinstance(value, dt.datetime):  # dates stay text: parsed where a date is expected
            return value.date().isoformat()
        return value.isoformat() if isinstance(value, dt.date) else value

    def _key(self, key_node: Node, path: KeyPath = ()) -> str:
        if not isinstance(key_node, ScalarNode):
            message = "expected a key (a name, a number or a date), found a list or mapping"
            self.problems.append(Problem(Location(*self._at(key_node)), format_path(path), message))
            return f"<key at line {key_node.start_mark.line + 1}>"
        if key_node.tag == "tag:yaml.org,2002:str":
            return key_node.value
        key = self._scalar(key_node, path)
        return key if isinstance(key, str) else str(key)

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict:
        self._check_duplicates(node, path)
        try:
            self.scalars.flatten_mapping(node)  # YAML merge keys (<<): explicit keys win
        except ConstructorError as error:
            mark = error.problem_mark or node.start_mark
            message = f"the merge key << expects {error.problem.removeprefix('expected ')}"
            where = Location(self.name, mark.line + 1, mark.column + 1)
            self.problems.append(Problem(where, format_path(path), message))
            return {}
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_text = self._key(key_node, path)
            child = (*path, key_text)
            self.document.keys[child] = self._at(key_node)
            self.document.values[child] = self._at(value_node)
            result[key_text] = self.plain(value_node, child)
        return result

    def _check_duplicates(self, node: MappingNode, path: KeyPath) -> None:
        first_line: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key_text = self._key(key_node, path)
            if key_text in first_line:
                self.problems.append(
                    Problem(
                        Location(*self._at(key_node)),
                        format_path((*path, key_text)),
                        f"duplicate key {key_text!r} (first at line {first_line[key_text]}): "
                        "each key and id may appear once in a mapping",
                    )
                )
            first_line.setdefault(key_text, key_node.start_mark.line + 1)

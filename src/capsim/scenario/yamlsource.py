"""Reading YAML into plain data, remembering where every key and value stands.

Uses libyaml (through PyYAML) to compose the node tree, so it is fast; duplicate keys,
which YAML forbids but PyYAML would silently accept, are errors here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from capsim.scenario.problems import KeyPath, Location, Problem, ScenarioError, format_path


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


def read_yaml_file(path: Path) -> Document:
    """Read ``path``; raises :class:`ScenarioError` if it is missing, unreadable or not YAML."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(Location(name), "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ScenarioError(
            [Problem(Location(name), "", f"cannot read the file ({reason})")]
        ) from None
    return read_yaml_text(text, name)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml_text(text: str, name: str) -> Document:
    """Parse YAML ``text``; ``name`` is used in messages."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"YAML syntax error: {error.problem}"
        if error.context:
            message += f" ({error.context})"
        raise ScenarioError([Problem(Location(name, line, column), "", message)]) from None
    except yaml.YAMLError as error:
        raise ScenarioError([Problem(Location(name), "", f"not valid YAML: {error}")]) from None
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
            return self.scalars.construct_object(node)
        return None

    def _key(self, key_node: Node) -> str:
        if isinstance(key_node, ScalarNode) and key_node.tag == "tag:yaml.org,2002:str":
            return key_node.value
        key = self.scalars.construct_object(key_node)
        return key if isinstance(key, str) else str(key)

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict:
        self._check_duplicates(node, path)
        self.scalars.flatten_mapping(node)  # YAML merge keys (<<): explicit keys win
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_text = self._key(key_node)
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
            key_text = self._key(key_node)
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

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
    """Plain data from one YAML text and the location of each key path in it."""

    data: Any
    keys: dict[KeyPath, Location] = field(default_factory=dict)
    values: dict[KeyPath, Location] = field(default_factory=dict)

    def where(self, path: KeyPath, *, key: bool = False) -> Location | None:
        """Location of ``path`` (its key if ``key``), else of its nearest ancestor."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            table = self.keys if key and end == len(path) else self.values
            if prefix in table:
                return table[prefix]
            if prefix in self.keys:
                return self.keys[prefix]
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
    document.values[()] = Location(name, 1, 1)
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

    def _at(self, node: Node) -> Location:
        return Location(self.name, node.start_mark.line + 1, node.start_mark.column + 1)

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

    def _mapping(self, node: MappingNode, path: KeyPath) -> dict:
        self._check_duplicates(node, path)
        self.scalars.flatten_mapping(node)  # YAML merge keys (<<): explicit keys win
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.scalars.construct_object(key_node)
            key_text = key if isinstance(key, str) else str(key)
            child = (*path, key_text)
            self.document.keys[child] = self._at(key_node)
            self.document.values[child] = self._at(value_node)
            result[key_text] = self.plain(value_node, child)
        return result

    def _check_duplicates(self, node: MappingNode, path: KeyPath) -> None:
        first_seen: dict[str, Location] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.scalars.construct_object(key_node)
            key_text = key if isinstance(key, str) else str(key)
            if key_text in first_seen:
                self.problems.append(
                    Problem(
                        self._at(key_node),
                        format_path((*path, key_text)),
                        f"duplicate key {key_text!r} (first at line {first_seen[key_text].line}): "
                        "each key and id may appear once in a mapping",
                    )
                )
            first_seen.setdefault(key_text, self._at(key_node))

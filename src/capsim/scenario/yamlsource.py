"""Reading YAML into plain data, remembering where every key and value stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from capsim.scenario.problems import KeyPath, Location, Problem, ScenarioError


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


def read_yaml_text(text: str, name: str) -> Document:
    """Parse YAML ``text``; ``name`` is used in messages."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = _yaml_message(error)
        raise ScenarioError([Problem(Location(name, line, column), "", message)]) from None
    except YAMLError as error:
        raise ScenarioError([Problem(Location(name), "", f"not valid YAML: {error}")]) from None
    document = Document(None)
    document.values[()] = Location(name, 1, 1)
    document.data = _plain(node, (), document, name)
    return document


def _yaml_message(error: MarkedYAMLError) -> str:
    problem = (error.problem or "").strip()
    if "duplicate key" in problem:
        return f"{problem}: each id may appear once in a mapping"
    context = (error.context or "").strip()
    return f"YAML syntax error: {problem}" + (f" ({context})" if context else "")


def _plain(node: Any, path: KeyPath, document: Document, name: str) -> Any:
    if isinstance(node, CommentedMap):
        result = {}
        for key, value in node.items():
            key_text = key if isinstance(key, str) else str(key)
            child = (*path, key_text)
            key_line, key_col = node.lc.key(key)
            value_line, value_col = node.lc.value(key)
            document.keys[child] = Location(name, key_line + 1, key_col + 1)
            document.values[child] = Location(name, value_line + 1, value_col + 1)
            result[key_text] = _plain(value, child, document, name)
        return result
    if isinstance(node, CommentedSeq):
        result = []
        for index, value in enumerate(node):
            line, column = node.lc.item(index)
            document.values[(*path, index)] = Location(name, line + 1, column + 1)
            result.append(_plain(value, (*path, index), document, name))
        return result
    return _scalar(node)


def _scalar(node: Any) -> Any:
    if node is None or isinstance(node, bool | dt.date):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node

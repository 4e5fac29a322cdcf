"""Composing YAML safely: a node tree from libyaml's events, within stated limits.

Scenario files may come from anyone, so composing one refuses, each with its location
and the limit it broke: any tag (``!!python/name:...``, ``!include``, on a scalar, a
list or a mapping); nesting deeper than :data:`MAX_DEPTH`; an alias inside the node it
names (a recursive alias); more than :data:`MAX_NODES` values once aliases are expanded
(an "alias bomb" of a few hundred bytes would otherwise expand to billions); a second
document; and characters YAML does not allow (control characters), which libyaml would
report as a byte offset. The expanded size is counted on the composed tree, where an
alias shares its node, so refusing a bomb takes time proportional to the file's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from capsim.scenario.problems import Location, Problem, ScenarioError

#: Deepest nesting of lists and mappings in one file (scenarios need about 8).
MAX_DEPTH = 64
#: Most values (scalars, lists and mappings) in one file once aliases are expanded
#: (the largest shipped scenario has about 5,000).
MAX_NODES = 200_000

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
# Characters YAML 1.1 does not allow in a stream (it allows tab, LF, CR and NEL).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")


def position(text: str, index: int) -> tuple[int, int]:
    """(line, column), counted from 1, of character ``index`` of ``text``."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def check_characters(text: str, name: str) -> None:
    """Refuse a control character (other than tab and line ends), located."""
    found = _FORBIDDEN.search(text)
    if found is not None:
        line, column = position(text, found.start())
        code = f"U+{ord(found.group()):04X}"
        message = (
            f"control character {code} is not allowed in a scenario file "
            "(only tab, line feed and carriage return are)"
        )
        raise ScenarioError([Problem(Location(name, line, column), "", message)])


def compose(text: str, name: str) -> Node | None:
    """The node tree of the one YAML document in ``text``; None if it is empty."""
    check_characters(text, name)
    return _Composer(name).compose(yaml.parse(text, Loader=_Parser))


def _short_tag(tag: str) -> str:
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


class _Composer:
    """Builds nodes from events, refusing tags, deep nesting, recursive aliases and
    documents that expand past :data:`MAX_NODES` values."""

    def __init__(self, name: str):
        self.name = name
        self.anchors: dict[str, Node] = {}
        self.open: set[str] = set()
        self.sizes: dict[int, int] = {}

    def _refuse(self, event, message: str) -> ScenarioError:
        mark = event.start_mark
        where = Location(self.name, mark.line + 1, mark.column + 1)
        return ScenarioError([Problem(where, "", message)])

    def compose(self, events: Iterable) -> Node | None:
        root: Node | None = None
        documents = 0
        stack: list[tuple[Node, str | None]] = []
        pending_key: list[Node | None] = []
        try:
            for event in events:
                if isinstance(event, DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        raise self._refuse(event, "expected one YAML document, found a second")
                    continue
                if isinstance(event, MappingEndEvent | SequenceEndEvent):
                    self.open.discard(stack.pop()[1])
                    pending_key.pop()
                    continue
                node = self._node(event, len(stack))
                if node is None:
                    continue
                if not stack:
                    root = node
                else:
                    self._attach(stack[-1][0], node, pending_key)
                if isinstance(event, CollectionStartEvent):
                    stack.append((node, event.anchor))
                    pending_key.append(None)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
            message = f"YAML syntax error: {error.problem}"
            if error.context:
                message += f" ({error.context})"
            raise ScenarioError([Problem(Location(self.name, line, column), "", message)]) from None
        except yaml.YAMLError as error:
            message = f"not valid YAML: {error}"
            raise ScenarioError([Problem(Location(self.name), "", message)]) from None
        if root is not None:
            total = self._size(root)
            if total > MAX_NODES:
                message = (
                    f"the document expands to {total:,} values once its aliases are "
                    f"expanded, more than the limit of {MAX_NODES:,}"
                )
                raise ScenarioError([Problem(Location(self.name, 1, 1), "", message)])
        return root

    def _node(self, event, depth: int) -> Node | None:
        """The node an event starts or names, at nesting ``depth``."""
        if isinstance(event, AliasEvent):
            if event.anchor in self.open:
                raise self._refuse(
                    event, f"recursive alias *{event.anchor}: it is inside the node it names"
                )
            if event.anchor not in self.anchors:
                raise self._refuse(event, f"alias *{event.anchor} names no anchor")
            return self.anchors[event.anchor]
        if not isinstance(event, ScalarEvent | CollectionStartEvent):
            return None
        if event.tag is not None:
            raise self._refuse(
                event,
                f"YAML tags are not allowed in scenario files, found {_short_tag(event.tag)!r}; "
                "write the value plainly (quote it if it is text)",
            )
        if isinstance(event, CollectionStartEvent) and depth >= MAX_DEPTH:
            raise self._refuse(
                event, f"nesting deeper than the limit of {MAX_DEPTH} lists and mappings"
            )
        if isinstance(event, ScalarEvent):
            tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)
            node: Node = ScalarNode(
                tag, event.value, event.start_mark, event.end_mark, style=event.style
            )
        elif isinstance(event, SequenceStartEvent):
            tag = _RESOLVER.resolve(SequenceNode, None, event.implicit)
            node = SequenceNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
        else:
            assert isinstance(event, MappingStartEvent)
            tag = _RESOLVER.resolve(MappingNode, None, event.implicit)
            node = MappingNode(tag, [], event.start_mark, None, flow_style=event.flow_style)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
            if isinstance(event, CollectionStartEvent):
                self.open.add(event.anchor)
        return node

    @staticmethod
    def _attach(parent: Node, node: Node, pending_key: list[Node | None]) -> None:
        if isinstance(parent, SequenceNode):
            parent.value.append(node)
        elif pending_key[-1] is None:
            pending_key[-1] = node
        else:
            parent.value.append((pending_key[-1], node))
            pending_key[-1] = None

    def _size(self, node: Node) -> int:
        """Values under ``node`` with aliases expanded (each shared node counted once
        per use), computed once per node."""
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, SequenceNode):
            total = 1 + sum(self._size(item) for item in node.value)
        elif isinstance(node, MappingNode):
            total = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
        else:
            total = 1
        self.sizes[id(node)] = total
        return total

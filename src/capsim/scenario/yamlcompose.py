"""Composing YAML safely: a node tree from libyaml's events, within stated limits.

Scenario files may come from anyone, so composing one refuses, each with its location
and the limit it broke: any tag (``!!python/name:...``, ``!include``, on a scalar, a
list or a mapping); nesting deeper than :data:`MAX_DEPTH`; an alias inside the node it
names (a recursive alias); more than :data:`MAX_NODES` values once aliases are expanded
(an "alias bomb" of a few hundred bytes would otherwise expand to billions); a second
document; and characters YAML does not allow (control characters), which libyaml would
report as a byte offset. The expanded size is counted as events arrive, an alias adding
the size of the node it names, so a bomb is refused at the alias that breaks the limit,
in time proportional to the part of the file read. Composition is not recursive, so no
nesting can exhaust the stack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import yaml
from yaml.events import (
    AliasEvent,
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
# Characters YAML 1.1 does not allow in a stream (it allows tab, LF, CR and NEL), and
# surrogates: bytes that were not UTF-8 in a command-line argument.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


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
        code = ord(found.group())
        if 0xD800 <= code <= 0xDFFF:
            byte = f" (byte 0x{code - 0xDC00:02X})" if code >= 0xDC80 else ""
            message = f"not valid UTF-8 text{byte}"
        else:
            message = (
                f"control character U+{code:04X} is not allowed in a scenario file "
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
    documents that expand past :data:`MAX_NODES` values.

    The expanded size is counted as the document is read: each scalar and collection
    counts one, each alias the expanded size of the node it names (known once that node
    is closed; an alias to a node still open is recursive). So a document is refused at
    the alias that takes it past the limit, before the rest is read.
    """

    def __init__(self, name: str):
        self.name = name
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.open: set[str] = set()
        self.total = 0

    def _refuse(self, event, message: str) -> ScenarioError:
        mark = event.start_mark
        where = Location(self.name, mark.line + 1, mark.column + 1)
        return ScenarioError([Problem(where, "", message)])

    def compose(self, events: Iterable) -> Node | None:
        try:
            return self._compose(events)
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

    def _compose(self, events: Iterable) -> Node | None:
        root: Node | None = None
        documents = 0
        # open collections: (node, anchor, expanded size so far, key waiting for a value)
        stack: list[list] = []
        for event in events:
            kind = type(event)
            if kind is ScalarEvent:
                node, size = self._scalar(event), 1
            elif kind is AliasEvent:
                node, size = self._alias(event)
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                node = self._collection(event, len(stack))
                if stack:
                    _attach(stack[-1], node)
                else:
                    root = node
                stack.append([node, event.anchor, 1, None])
                self._count(event, 1)
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                node, anchor, size, _ = stack.pop()
                if anchor is not None:
                    self.open.discard(anchor)
                    self.anchors[anchor] = (node, size)
                if stack:
                    stack[-1][2] += size
                continue
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self._refuse(event, "expected one YAML document, found a second")
                continue
            else:
                continue
            self._count(event, size if kind is AliasEvent else 1)
            if stack:
                _attach(stack[-1], node)
                stack[-1][2] += size
            else:
                root = node
        return root

    def _count(self, event, size: int) -> None:
        self.total += size
        if self.total > MAX_NODES:
            raise self._refuse(
                event,
                f"the document expands past the limit of {MAX_NODES:,} values here, "
                "once its aliases are expanded",
            )

    def _alias(self, event) -> tuple[Node, int]:
        if event.anchor in self.open:
            raise self._refuse(
                event, f"recursive alias *{event.anchor}: it is inside the node it names"
            )
        if event.anchor not in self.anchors:
            raise self._refuse(event, f"alias *{event.anchor} names no anchor")
        return self.anchors[event.anchor]

    def _no_tag(self, event) -> None:
        if event.tag is not None:
            raise self._refuse(
                event,
                f"YAML tags are not allowed in scenario files, found {_short_tag(event.tag)!r}; "
                "write the value plainly (quote it if it is text)",
            )

    def _scalar(self, event) -> Node:
        self._no_tag(event)
        tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if event.anchor is not None:
            self.anchors[event.anchor] = (node, 1)
        return node

    def _collection(self, event, depth: int) -> Node:
        self._no_tag(event)
        if depth >= MAX_DEPTH:
            raise self._refuse(
                event, f"nesting deeper than the limit of {MAX_DEPTH} lists and mappings"
            )
        kind = SequenceNode if type(event) is SequenceStartEvent else MappingNode
        tag = _RESOLVER.resolve(kind, None, event.implicit)
        node = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
        if event.anchor is not None:
            self.open.add(event.anchor)
        return node


def _attach(parent: list, node: Node) -> None:
    """Put ``node`` into the open collection ``parent`` (a key waits for its value)."""
    collection = parent[0]
    if isinstance(collection, SequenceNode):
        collection.value.append(node)
    elif parent[3] is None:
        parent[3] = node
    else:
        collection.value.append((parent[3], node))
        parent[3] = None

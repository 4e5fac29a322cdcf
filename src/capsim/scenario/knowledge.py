"""What was known when: a scenario as a forecaster could have written it at a date.

A parameter's mapping may carry ``known: DATE``, the date its value became public, and
``prior:``, the value (a number or distribution, with its own source, and possibly its
own ``known`` and ``prior``) believed before then. At an ``origin`` date:

- a value known on or before the origin is used as written;
- a value known after it is replaced by its ``prior`` (resolved at the origin in turn);
- a point of a series known after the origin and with no ``prior`` is left out, so the
  series holds the points before it (flat after its last point);
- a value that is not a point of a series needs a ``prior`` (checked on load).

The resolution works on the composed YAML data, before validation, so a resolved
scenario is validated like any other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from capsim.scenario.dates import parse_date
from capsim.scenario.params import Param
from capsim.scenario.problems import KeyPath

_DROP = object()


def as_known_at(data: Any, origin: dt.date) -> Any:
    """A copy of the composed scenario ``data`` with every value as known at ``origin``."""
    resolved = _resolve(data, origin)
    return None if resolved is _DROP else resolved


def _resolve(node: Any, origin: dt.date) -> Any:
    if isinstance(node, dict):
        if "known" in node:
            return _value_at(node, origin)
        return {key: _resolve(value, origin) for key, value in node.items()}
    if isinstance(node, list):
        items = [_resolve(item, origin) for item in node]
        return [item for item in items if item is not _DROP]
    return node


def _value_at(node: dict, origin: dt.date) -> Any:
    """One value mapping at ``origin``: as written, its prior, or dropped (a series point)."""
    rest = {key: value for key, value in node.items() if key not in ("known", "prior")}
    if parse_date(node["known"]) <= origin:
        return rest
    if "prior" not in node:
        return _DROP
    prior = node["prior"]
    prior = dict(prior) if isinstance(prior, dict) else {"value": prior}
    if "date" in node:
        prior = {"date": node["date"], **prior}
    return _resolve(prior, origin)


def known_findings(params: list[tuple[str, Param]], split) -> Iterator[tuple[KeyPath, str]]:
    """A value dated ``known`` without a ``prior`` that is not a point of a series."""
    for path, param in params:
        key_path = split(path)
        in_series = len(key_path) >= 2 and key_path[-2] == "points"
        if param.known is not None and param.prior is None and not in_series:
            yield (
                (*key_path, "known"),
                f"a value known only from {param.known} needs a 'prior' (the value believed "
                "before then); only a point of a dated series may go without one",
            )
        nested, depth = param.prior, ("prior",)
        while nested is not None:
            if nested.known is not None and nested.prior is None and not in_series:
                yield (
                    (*key_path, *depth, "known"),
                    f"a prior known only from {nested.known} needs its own 'prior'",
                )
            nested, depth = nested.prior, (*depth, "prior")

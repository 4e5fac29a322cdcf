"""Readable names of a scenario's inputs: ``sk-hynix wafers, 2027-12`` for
``hbm_vendors.sk-hynix.wafers.points[3]``.

A label is the entity's id, then the key path's words (underscores as spaces, IT, HBM
and PUE in capitals), a list item by its ``id`` where it has one (else ``#n``, from 1),
and a series point by its date (``YYYY-MM`` on a month's first day, else the day).
The scenario's top-level tables (``products``, ``sites``, ...) are left out: the id
says which entity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from capsim.scenario.document import Scenario
from capsim.scenario.params import Param
from capsim.scenario.problems import KeyPath, format_path
from capsim.scenario.series import Series

#: Words written in capitals in labels.
_CAPITALS = {"it": "IT", "hbm": "HBM", "pue": "PUE", "loi": "LOI", "usd": "USD", "tdp": "TDP"}


def input_labels(scenario: Scenario) -> dict[str, str]:
    """Every parameter's key path (as :func:`capsim.scenario.walk.iter_params` names it)
    and its readable label; also each risk's ``risks.ID.occurs`` and each letter of
    intent's ``programmes.ID.firm`` (whether it happens, drawn per sample)."""
    labels = {}
    for table, entities in scenario:
        if isinstance(entities, dict):
            for key, entity in entities.items():
                labels.update(_walk(entity, (table, key), [str(key)]))
        else:
            labels.update(_walk(entities, (table,), [_word(table)]))
    for rid in scenario.risks:
        labels[f"risks.{rid}.occurs"] = f"{rid} occurs"
    for gid, programme in scenario.programmes.items():
        if programme.letter_of_intent is not None:
            labels[f"programmes.{gid}.firm"] = f"{gid} letter of intent becomes firm"
    return labels


def _walk(node: Any, path: KeyPath, words: list[str]) -> Iterator[tuple[str, str]]:
    if isinstance(node, Param):
        yield format_path(path), " ".join(words)
    elif isinstance(node, Series):
        for inner, _param in node.params():
            yield format_path((*path, *inner)), _series_label(node, inner, words)
    elif isinstance(node, BaseModel):
        for name, field in type(node).model_fields.items():
            key = field.alias or name
            yield from _walk(getattr(node, name), (*path, key), [*words, _word(key)])
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key), [*words, str(key)])
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            name = getattr(value, "id", None)
            if name is None:
                yield from _walk(value, (*path, index), [*words, f"#{index + 1}"])
            else:  # "buildings" + "b3": "building b3"
                yield from _walk(value, (*path, index), [*words[:-1], _singular(words[-1]), name])


def _series_label(series: Series, inner: tuple, words: list[str]) -> str:
    """A series parameter's label: a point by its date, an expansion by its number."""
    text = " ".join(words)
    if len(inner) == 2 and inner[0] == "points":
        return f"{text}, {_day(series.points[inner[1]][0])}"
    if inner and inner[0] == "expansions":
        rest = " ".join(_word(str(part)) for part in inner[2:])
        return f"{text}, expansion #{inner[1] + 1} {rest}".rstrip()
    return text


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") else word


def _day(day: dt.date) -> str:
    return f"{day:%Y-%m}" if day.day == 1 else day.isoformat()


def _word(key: str) -> str:
    return " ".join(_CAPITALS.get(part, part) for part in str(key).split("_"))

"""Where two scenarios, as data (:func:`capsim.scenario.io.scenario_to_data`), first
differ: a key path and both values, as a message names them."""

from __future__ import annotations

import json

#: What a key absent from one side reads as.
_ABSENT = "(absent)"


def first_difference(stored, asked) -> str:
    """``"PATH stored X, asked Y"`` for the first key path (in key order) where
    ``stored`` and ``asked`` differ; values longer than 60 characters are cut."""
    path, left, right = _first(stored, asked, "")
    where = path or "(whole scenario)"
    return f"{where} stored {_short(left)}, asked {_short(right)}"


def _first(left, right, path: str):
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            if left.get(key, _ABSENT) != right.get(key, _ABSENT):
                inner = f"{path}.{key}" if path else str(key)
                return _first(left.get(key, _ABSENT), right.get(key, _ABSENT), inner)
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            if a != b:
                return _first(a, b, f"{path}[{i}]")
    return path, left, right


def _short(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."

"""Problems found in scenario files, each with its file, line, column and key path."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

KeyPath = tuple[Any, ...]


def format_path(path: KeyPath) -> str:
    """``("sites", "a", "buildings", 0)`` -> ``"sites.a.buildings[0]"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def shown(value: Any) -> str:
    """``value`` as a person wrote it in YAML, for messages: ``'text'``, ``12.5``, ``true``
    (a boolean), ``null``; never a Python repr of an internal object."""
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if value is None:
        return "nothing (null)"
    if isinstance(value, float) and not math.isfinite(value):
        return {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}[repr(value)]
    if isinstance(value, str | int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)}" if value else "an empty list"
    return repr(str(value))


#: How the location of a command line's ``--set PATH=VALUE`` begins.
SET_PREFIX = "--set "


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; line and column count from 1."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a scenario, said so that it can be fixed."""

    location: Location
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location.file else ""
        key = f"{self._key()}: " if self.path else ""
        return printable(f"{where}{key}{self.message}")

    def _key(self) -> str:
        """The key path as the reader wrote it: for the value of a ``--set PATH=VALUE``
        itself, PATH (a bare value is kept under ``PATH.value``)."""
        file = self.location.file
        if file.startswith(SET_PREFIX) and "=" in file:
            assigned = file[len(SET_PREFIX) :].split("=", 1)[0].strip()
            if self.path == f"{assigned}.value":
                return assigned
        return self.path


def printable(text: str) -> str:
    """``text`` with the bytes that were not UTF-8 in a file name or an argument (lone
    surrogates, PEP 383) written as ``\\xNN``, so that it can be printed anywhere."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_reading_order)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def _reading_order(problem: Problem) -> tuple:
    where = problem.location
    return (where.file, where.line or 0, where.column or 0, problem.path, problem.message)

"""Problems found in scenario files, each with its file, line, column and key path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KeyPath = tuple[Any, ...]


def format_path(path: KeyPath) -> str:
    """``("sites", "a", "buildings", 0)`` -> ``"sites.a.buildings[0]"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


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
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=_reading_order)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def _reading_order(problem: Problem) -> tuple:
    where = problem.location
    return (where.file, where.line or 0, where.column or 0, problem.path, problem.message)

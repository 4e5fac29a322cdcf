"""Loading a scenario: read YAML, resolve ``extends`` and ``--set``, validate, check.

All problems in a file are reported together in one :class:`ScenarioError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from capsim.scenario import semantic
from capsim.scenario.compose import apply_override, resolve_extends
from capsim.scenario.diagnostics import problems_from_validation
from capsim.scenario.document import ENTITY_TABLES, Scenario
from capsim.scenario.knowledge import as_known_at
from capsim.scenario.problems import Location, Problem, ScenarioError, format_path
from capsim.scenario.yamlsource import Document, read_yaml_text


def load_scenario(
    path: str | Path,
    overrides: Iterable[str] = (),
    *,
    known_at: dt.date | str | None = None,
    allow_extends: Iterable[str | Path] = (),
) -> Scenario:
    """Load, compose and validate the scenario file at ``path``.

    ``overrides`` are ``PATH=VALUE`` strings applied after ``extends``; bases may be in
    ``path``'s folder tree, the shipped scenarios and the folders ``allow_extends``
    (see :mod:`capsim.scenario.roots`). With ``known_at`` (a date, or its ISO text
    ``"2023-01-31"``), every value is taken as known at that date
    (:mod:`capsim.scenario.knowledge`). Raises :class:`ScenarioError` listing every
    problem found.
    """
    if isinstance(known_at, str):
        try:
            known_at = dt.date.fromisoformat(known_at)
        except ValueError:
            raise ValueError(
                f"known_at: expected a date (YYYY-MM-DD), found {known_at!r}"
            ) from None
    document, _files = resolve_extends(Path(path), allow_extends=allow_extends)
    for assignment in overrides:
        apply_override(document, assignment)
    scenario = validate_document(document)
    if known_at is None:
        return scenario
    return validate_document(replace(document, data=as_known_at(document.data, known_at)))


def loads_scenario(text: str, name: str = "<string>") -> Scenario:
    """Validate a scenario given as YAML text (no ``extends``)."""
    document = read_yaml_text(text, name)
    if not isinstance(document.data, dict):
        raise ScenarioError(
            [Problem(Location(name, 1, 1), "", "expected a mapping of scenario keys")]
        )
    return validate_document(document)


def validate_document(document: Document) -> Scenario:
    """Validate composed data against the schema, then across entities; with problems
    in the schema, the names the other entities misspell are reported beside them."""
    try:
        scenario = Scenario.model_validate(document.data)
    except ValidationError as error:
        problems = problems_from_validation(error, document, Scenario)
        raise ScenarioError(problems + _unknown_names(document, error)) from None
    findings = semantic.check(scenario)
    if findings:
        raise ScenarioError(_problems(document, findings))
    return scenario


def _problems(document: Document, findings: Iterable[semantic.Finding]) -> list[Problem]:
    """The ``findings`` (key path, message) located in ``document``'s files."""
    located = {(_as_written(document, path), message) for path, message in findings}
    return [
        Problem(document.where(path) or Location("<scenario>"), format_path(path), message)
        for path, message in located
    ]


def _unknown_names(document: Document, error: ValidationError) -> list[Problem]:
    """Names no entity has, found among the entities the schema passed: in each named
    entity with a schema problem, the fields with one are taken from an entity of its
    table that passed (the whole entity, where it is not a mapping), so its own name and
    the names its other fields give (its designer, its precisions) are still known; the
    rest is validated again and checked for unknown names only, outside those entities.
    None when a problem lies outside a named entity, no entity of its table passed, or
    the rest does not validate."""
    data = document.data
    fields: dict[tuple[str, str], set] = {}
    for detail in error.errors():
        where = detail["loc"]
        table = where[0] if where else None
        if table not in ENTITY_TABLES or len(where) < 2 or not isinstance(data.get(table), dict):
            return []
        if where[1] not in data[table]:
            return []
        fields.setdefault((table, where[1]), set()).add(where[2] if len(where) > 2 else None)
    rest = dict(data)
    for (table, name), wrong in fields.items():
        passed = [e for key, e in data[table].items() if (table, key) not in fields]
        if not passed:
            return []
        rest[table] = {**rest[table], name: _repaired(data[table][name], wrong, passed[0])}
    try:
        partial = Scenario.model_validate(rest)
    except ValidationError:
        return []
    inside = tuple(format_path(entity) + "." for entity in fields)
    return _problems(
        document,
        (
            (path, message)
            for path, message in semantic.unknown_names(partial)
            if not f"{format_path(path)}.".startswith(inside)
        ),
    )


def _repaired(entity: Any, wrong: set, other: Any) -> Any:
    """``entity`` (as written) with its ``wrong`` fields as ``other`` (an entity of its
    table that passed the schema) has them, or left out where it has none; ``other``
    itself where ``entity`` is not a mapping or is wrong as a whole (None in ``wrong``)."""
    if None in wrong or not isinstance(entity, dict) or not isinstance(other, dict):
        return other
    fixed = dict(entity)
    for key in wrong:
        if key in other:
            fixed[key] = other[key]
        else:
            fixed.pop(key, None)
    return fixed


def _as_written(document: Document, path: tuple) -> tuple:
    """``path`` as the file writes it: a series written as a plain list has no ``points``
    key, and a source written on an expansion covers its ``add`` and ``ramp``."""
    if "points" in path:
        at = path.index("points")
        if path[: at + 1] not in document.keys and path[:at] in document.values:
            path = path[:at] + path[at + 1 :]
    if len(path) >= 4 and path[-4] == "expansions" and path[-2] in ("add", "ramp"):
        shared = (*path[:-2], path[-1])
        if shared in document.keys:
            path = shared
    return path

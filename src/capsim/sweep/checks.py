"""Checking a sweep before it runs: its size, and every value it would give an input.

A sweep sets inputs to values the scenario file never states (``0.7x:1.3x`` of every
HBM capacity, a grid wait from 12 to 60 months), so those values are validated like the
file: the scenario is written out with the varied inputs at each corner of the sweep
(every varied range at its low or its high end; relative ranges applied to the central
value and, for uncertain inputs, to the ends of their range, or their 1 % and 99 %
quantiles where the range is unbounded) and checked by the
scenario's own rules. A negative capacity, a share above 100 %, contracted shares that
add up to more than the whole, a negative duration or a non-finite value is refused,
and so is a sweep of more than :data:`MAX_SWEEP_SAMPLES` samples, before anything is
allocated.
"""

from __future__ import annotations

import copy
import itertools
import math
from typing import Any

from capsim.scenario.compose import parse_set_path
from capsim.scenario.document import MAX_SAMPLES, Scenario
from capsim.scenario.io import scenario_to_data
from capsim.scenario.loader import validate_document
from capsim.scenario.params import Param
from capsim.scenario.problems import Location, Problem, ScenarioError
from capsim.scenario.walk import iter_params
from capsim.scenario.yamlsource import Document
from capsim.sweep.plans import Vary

#: Most samples (points x replicates) one sweep may run.
MAX_SWEEP_SAMPLES = MAX_SAMPLES
#: Most corners checked; with more varied ranges, only all-low and all-high.
_MAX_CORNERS = 16
_META = ("date", "source", "confidence", "note")


def sweep_size(varies: list[Vary], design: str, points: int, replicates: int) -> int:
    """Samples the sweep would run (exact, whatever its size)."""
    if design == "grid":
        points = math.prod(vary.points for vary in varies)
    return points * replicates


def check_size(varies: list[Vary], design: str, points: int, replicates: int) -> None:
    """Refuse a sweep of more than :data:`MAX_SWEEP_SAMPLES` samples."""
    size = sweep_size(varies, design, points, replicates)
    if size > MAX_SWEEP_SAMPLES:
        shape = " x ".join(str(vary.points) for vary in varies) if design == "grid" else str(points)
        raise ValueError(
            f"the sweep would run {size:,} samples ({shape} points x {replicates} "
            f"replicate(s)), more than the limit of {MAX_SWEEP_SAMPLES:,}; use fewer points"
        )


def check_values(scenario: Scenario, varies: list[Vary]) -> None:
    """Refuse ``varies`` if any corner of the sweep breaks the scenario's rules."""
    for vary in varies:
        if not (math.isfinite(vary.low) and math.isfinite(vary.high)):
            raise ScenarioError([_problem([vary], "", "expected finite values or multipliers")])
    params = dict(iter_params(scenario))
    extremes = [
        {target: _extremes(vary, params[target]) for target in vary.targets} for vary in varies
    ]
    corners = list(itertools.product((0, 1), repeat=len(varies)))
    if len(corners) > _MAX_CORNERS:
        corners = [(0,) * len(varies), (1,) * len(varies)]
    data = scenario_to_data(scenario)
    for corner in corners:
        trial = copy.deepcopy(data)
        for ends, side in zip(extremes, corner, strict=True):
            for target, values in ends.items():
                _put(trial, parse_set_path(target), values[side], params[target].unit)
        try:
            validate_document(Document(trial))
        except ScenarioError as error:
            at = ", ".join(
                f"{vary.label.split('=', 1)[0]} at its {('low', 'high')[side]} end"
                for vary, side in zip(varies, corner, strict=True)
            )
            raise ScenarioError(
                [
                    _problem(varies, problem.path, f"with {at}: {problem.message}")
                    for problem in error.problems
                ]
            ) from None


def _extremes(vary: Vary, param: Param) -> tuple[float, float]:
    """The lowest and highest value ``vary`` gives the input ``param``."""
    if not vary.relative:
        return min(vary.low, vary.high), max(vary.low, vary.high)
    bases = [param.central]
    if param.is_uncertain:
        for ends in ((0.0, 1.0), (0.01, 0.99)):  # the support, else the 1 % tails
            tails = [float(param.value.ppf(q)) for q in ends]
            if all(map(math.isfinite, tails)):
                bases += tails
                break
    products = [base * factor for base in bases for factor in (vary.low, vary.high)]
    return min(products), max(products)


def _put(data: Any, path: tuple, number: float, unit: str) -> None:
    node = data
    for part in path[:-1]:  # a value left at its default is not written out
        node = node.setdefault(part, {}) if isinstance(node, dict) else node[part]
    written = number if unit == "" else f"{number!r} {unit}"
    old = node.get(path[-1]) if isinstance(node, dict) else node[path[-1]]
    if isinstance(old, dict):
        kept = {key: value for key, value in old.items() if key in _META}
        node[path[-1]] = {**kept, "value": written}
    else:
        node[path[-1]] = written


def _problem(varies: list[Vary], path: str, message: str) -> Problem:
    where = " ".join(f"--vary {vary.label}" for vary in varies)
    return Problem(Location(where), path, message)

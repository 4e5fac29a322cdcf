"""The modules with a line-coverage floor (issue "The model as one plain function"):
``model/risks.py`` and ``sweep/space.py``, at least 90 % of their lines run by their own
tests, measured by coverage.py in a child process (``validation/coverage_floor.py``;
about 10 s)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _floor_module():
    path = ROOT / "validation" / "coverage_floor.py"
    spec = importlib.util.spec_from_file_location("coverage_floor", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_risks_and_the_uncertain_space_are_covered_by_their_tests():
    floor = _floor_module()
    covered = floor.line_coverage()
    for module, (share, _tests) in floor.FLOORS.items():
        assert covered.get(module, 0.0) >= share, (module, covered.get(module))

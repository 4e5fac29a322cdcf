"""The modules with a line-coverage floor (issue "The model as one plain function"):
``model/risks.py`` and ``sweep/space.py``, at least 90 % of their lines run by their own
tests, measured by coverage.py in a child process (``validation/coverage_floor.py``;
about 10 s)."""

from __future__ import annotations

from scripts import validation_script


def test_risks_and_the_uncertain_space_are_covered_by_their_tests():
    floor = validation_script("coverage_floor")
    covered = floor.line_coverage()
    for module, (share, _tests) in floor.FLOORS.items():
        assert covered.get(module, 0.0) >= share, (module, covered.get(module))

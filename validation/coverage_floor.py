"""Line coverage of the modules whose coverage has a floor, by their own tests.

Runs ``tests/test_risks.py`` and ``tests/test_space.py`` under coverage.py in a child
process and prints each module's line coverage; exits 1 if one is under its floor.

    python validation/coverage_floor.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Each module (path from the repository root), its floor [fraction of lines] and the
#: tests that cover it.
FLOORS = {
    "src/capsim/model/risks.py": (0.90, "tests/test_risks.py"),
    "src/capsim/sweep/space.py": (0.90, "tests/test_space.py"),
}


def line_coverage() -> dict[str, float]:
    """Each module of :data:`FLOORS` and the fraction of its lines its tests run."""
    tests = sorted({test for _, test in FLOORS.values()})
    with tempfile.TemporaryDirectory() as folder:
        data, report = Path(folder) / ".coverage", Path(folder) / "coverage.json"
        include = ",".join(str(ROOT / module) for module in FLOORS)
        run = [sys.executable, "-m", "coverage", "run", f"--data-file={data}"]
        # in this process (-n 0): coverage traces no pytest-xdist worker
        pytest = ["-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", *tests]
        _child([*run, f"--include={include}", *pytest])
        _child([sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(report)])
        files = json.loads(report.read_text())["files"]
    found = {}
    for name, entry in files.items():
        module = (ROOT / name).resolve().relative_to(ROOT).as_posix()
        found[module] = entry["summary"]["percent_covered"] / 100
    return found


class ChildFailed(RuntimeError):
    """A child process (the tests under coverage, or the report) failed."""


def _child(command: list[str]) -> None:
    """Run ``command`` in the repository root; raise :class:`ChildFailed` with its output
    if it fails."""
    done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise ChildFailed(f"{' '.join(command[:4])} ... failed:\n{done.stdout}{done.stderr}")


def main() -> int:
    try:
        covered = line_coverage()
    except ChildFailed as error:
        print(error, file=sys.stderr)
        return 1
    ok = True
    for module, (floor, test) in FLOORS.items():
        share = covered.get(module, 0.0)
        ok &= share >= floor
        print(f"{module}: {share:.0%} of its lines run by {test} (floor {floor:.0%})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

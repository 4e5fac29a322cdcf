"""Snapshots of every shipped scenario's results, to check that a change to the code
leaves them as they were.

``write DIR`` runs each scenario in ``scenarios/`` once at central values (``NAME.nc``)
and as a Monte Carlo study of ``--samples`` samples (``NAME-study.nc``, random design,
the scenario's seed). ``compare OLD NEW`` checks, for every file in both, that every
variable OLD has is identical in NEW (``xarray.testing.assert_identical``: values,
dims, coordinates and attributes), and lists what differs: for floating-point values,
the largest relative difference. A variable NEW stores at a wider float type is
compared after casting it back to OLD's type (and reported as widened). Run ``write`` on the old
code (for example a ``git worktree`` of the previous commit) and on the new, then
``compare``.

Usage::

    python validation/results_snapshot.py write /tmp/before [--samples 200]
    python validation/results_snapshot.py compare /tmp/before /tmp/after
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import xarray as xr

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
#: Attributes that record when or by what a result was made, not what it says.
VOLATILE_ATTRS = ("capsim_version", "signature")


def write(folder: Path, samples: int) -> None:
    """Write a deterministic result and a study of ``samples`` per shipped scenario."""
    import capsim
    from capsim.sweep.runner import Execution
    from capsim.sweep.study import monte_carlo

    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = capsim.load_scenario(path)
        capsim.save_result(capsim.simulate(scenario), folder / f"{path.stem}.nc")
        study = monte_carlo(scenario, samples, execution=Execution(progress=False))
        study = study.drop_vars(["chunk_done"], errors="ignore")
        capsim.save_result(study.load(), folder / f"{path.stem}-study.nc")
        print(f"wrote {path.stem}")


def _clean(dataset: xr.Dataset) -> xr.Dataset:
    cleaned = dataset.copy()
    cleaned.attrs = {k: v for k, v in dataset.attrs.items() if k not in VOLATILE_ATTRS}
    return cleaned


def compare(old: Path, new: Path) -> int:
    """Print what differs between the results in ``old`` and ``new``; 1 if anything does."""
    differing = 0
    for before_path in sorted(old.glob("*.nc")):
        after_path = new / before_path.name
        if not after_path.exists():
            print(f"{before_path.name}: missing in {new}")
            differing += 1
            continue
        with xr.open_dataset(before_path) as old_file, xr.open_dataset(after_path) as new_file:
            a, b = _clean(old_file.load()), _clean(new_file.load())
            lost = sorted(set(a.variables) - set(b.variables))
            changed = []
            widened = []
            for name in sorted(set(a.data_vars)):
                if name in lost:
                    continue
                stored = b[name].drop_vars(
                    [c for c in b[name].coords if c not in a[name].coords]
                )  # coordinates the new version adds are not variables that existed
                if stored.dtype != a[name].dtype and a[name].dtype.kind == stored.dtype.kind == "f":
                    widened.append(f"{name} {a[name].dtype}->{stored.dtype}")
                    stored = stored.astype(a[name].dtype)
                try:
                    xr.testing.assert_identical(a[name], stored)
                except AssertionError:
                    changed.append(name)
            if widened:
                print(f"{before_path.name}: widened {widened}")
            if _attr_diff(a.attrs, b.attrs):
                changed.append("(attrs: " + ", ".join(_attr_diff(a.attrs, b.attrs)) + ")")
            if lost or changed:
                differing += 1
                print(f"{before_path.name}: lost {lost or 'nothing'}; changed {changed}")
                for name in changed:
                    if name in a and name in b:
                        _describe(a[name], b[name].astype(a[name].dtype))
            else:
                print(f"{before_path.name}: identical ({len(a.data_vars)} variables)")
    return 1 if differing else 0


def _same(x, y) -> bool:
    return bool(np.array_equal(np.asarray(x, dtype=object), np.asarray(y, dtype=object)))


def _attr_diff(a: dict, b: dict) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if not _same(a.get(k), b.get(k)))


def _describe(a: xr.DataArray, b: xr.DataArray) -> None:
    if a.dims != b.dims or a.shape != b.shape:
        print(f"    {a.name}: dims {a.dims}{a.shape} -> {b.dims}{b.shape}")
        return
    if _attr_diff(a.attrs, b.attrs):
        print(f"    {a.name}: attrs differ in {_attr_diff(a.attrs, b.attrs)}")
    values_a = np.asarray(a.values)
    values_b = np.asarray(b.values).astype(values_a.dtype)
    if values_a.dtype.kind in "fc":
        diff = ~np.isclose(values_a, values_b, rtol=0, atol=0, equal_nan=True)
        scale = np.maximum(np.abs(values_a), np.finfo(float).tiny)
        relative = np.nanmax(np.abs(values_a - values_b) / scale) if np.any(diff) else 0.0
        detail = f", largest relative difference {relative:.1e}"
    else:
        diff = values_a != values_b
        detail = ""
    if np.any(diff):
        print(f"    {a.name}: {int(np.sum(diff))} of {diff.size} values differ{detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    writing = commands.add_parser("write")
    writing.add_argument("folder", type=Path)
    writing.add_argument("--samples", type=int, default=200)
    comparing = commands.add_parser("compare")
    comparing.add_argument("old", type=Path)
    comparing.add_argument("new", type=Path)
    arguments = parser.parse_args(argv)
    if arguments.command == "write":
        write(arguments.folder, arguments.samples)
        return 0
    return compare(arguments.old, arguments.new)


if __name__ == "__main__":
    sys.exit(main())

"""Data-centre builds against history, at full size: every campus of the reference class
(data/builds) through the site model, its archetype refitted without it (build time
pooled by region, campuses still building counted as longer than so far).

The bar (issue "Data-centre builds as they really go"): over the greenfield campuses with
an observed first operation, the observed date lies inside the model's P10-P90 for at
least 80 % of them and the median |P50 error| is at most 3 months; the same for each
campus's largest observed power step. The suite runs a small version
(tests/test_builds_check.py); docs/validation.md §7 gives this run's table.

    python validation/builds_check.py [--samples 4000] [--plot builds.png]
"""

from __future__ import annotations

import argparse
import sys

from capsim.cli.main import main


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--plot", default="builds_check.png")
    arguments = parser.parse_args(argv)
    return main(
        [
            "builds-check",
            "--samples",
            str(arguments.samples),
            "--seed",
            str(arguments.seed),
            "--plot",
            arguments.plot,
        ]
    )


if __name__ == "__main__":
    sys.exit(run())

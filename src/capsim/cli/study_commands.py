"""``capsim sweep`` and ``capsim sensitivity``: explicit what-ifs and sensitivity indices."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from capsim.analysis.ranking import Ranking, index_ranking
from capsim.analysis.scenario_sensitivity import (
    GROUP_FORMS,
    Output,
    scenario_problem,
    sensitivity,
)
from capsim.analysis.sensitivity import evaluations
from capsim.cli.large_study import add_yes_argument, confirm_large_study
from capsim.cli.options import CommandError, add_execution_arguments, execution_from
from capsim.cli.scenario_commands import add_scenario_arguments
from capsim.results import save_result
from capsim.scenario.loader import load_scenario
from capsim.sweep.study import resolve_vary, sweep


def register(commands) -> None:
    """Add ``sweep`` and ``sensitivity`` to ``commands``."""
    parser = commands.add_parser("sweep", help="run a scenario over chosen values of inputs")
    add_scenario_arguments(parser)
    parser.add_argument(
        "--vary",
        action="append",
        required=True,
        metavar="PATH=LOW:HIGH[:N]",
        help="an input and its range: quantities for one parameter "
        "('sites.x.power.grid.wait=12 months:60 months:5') or multipliers for "
        "every parameter under PATH ('hbm_vendors=0.7x:1.3x')",
    )
    parser.add_argument("--design", choices=("grid", "lhs", "sobol", "random"), default="grid")
    parser.add_argument(
        "--points",
        type=int,
        default=16,
        help="points of an lhs, sobol or random design (default: 16)",
    )
    parser.add_argument(
        "--replicates",
        type=int,
        default=1,
        help="Monte Carlo draws of the other inputs per point (default: 1)",
    )
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write the results: .zarr store or .nc file",
    )
    add_yes_argument(parser)
    add_execution_arguments(parser)
    parser.set_defaults(handler=sweep_command)

    parser = commands.add_parser("sensitivity", help="tornado, Morris or Sobol' indices")
    add_scenario_arguments(parser)
    parser.add_argument("--method", choices=("tornado", "morris", "sobol"), default="tornado")
    parser.add_argument(
        "--output",
        dest="measure",
        required=True,
        metavar="milestone:NAME|series:VARIABLE[:PROGRAMME]",
    )
    parser.add_argument(
        "--inputs",
        action="append",
        metavar="GLOB",
        help="only inputs whose key path matches (repeatable)",
    )
    parser.add_argument(
        "--groups",
        action="append",
        metavar="SPEC",
        help=f"Morris and Sobol' on groups of inputs: {GROUP_FORMS} (repeatable; "
        "each input takes the first spec that matches it, the rest form 'other')",
    )
    parser.add_argument(
        "--n", type=int, default=256, help="Sobol' base sample size, a power of two (default: 256)"
    )
    parser.add_argument("--trajectories", type=int, default=10, help="Morris trajectories")
    parser.add_argument("--seed", type=int)
    parser.add_argument("-o", dest="output_file", type=Path, metavar="FILE.nc")
    parser.add_argument("--top", type=int, default=15, help="rows to print (default: 15)")
    add_yes_argument(parser)
    add_execution_arguments(parser)
    parser.set_defaults(handler=sensitivity_command)


def sweep_command(arguments: argparse.Namespace) -> int:
    scenario = load_scenario(arguments.file, arguments.overrides)
    try:
        varies = [resolve_vary(scenario, text) for text in arguments.vary]
    except ValueError as error:
        raise CommandError(f"--vary: {error}") from None
    if arguments.replicates < 1 or arguments.points < 1:
        raise CommandError("--replicates and --points must be >= 1")
    output = arguments.output
    if output is not None and output.suffix not in (".zarr", ".nc"):
        raise CommandError(f"-o takes a .zarr store or a .nc file, found {output}")
    store = output if output is not None and output.suffix == ".zarr" else None
    execution = execution_from(arguments)
    runs = arguments.replicates * _points(varies, arguments.design, arguments.points)
    confirm_large_study(scenario, runs, execution, arguments.yes)
    result = sweep(
        scenario,
        varies,
        design=arguments.design,
        points=arguments.points,
        replicates=arguments.replicates,
        seed=arguments.seed,
        store=store,
        execution=execution,
    )
    _print_sweep(result, varies)
    if output is not None:
        written = save_result(result.load(), output) if store is None else store
        print(f"\nwrote {written}")
    return 0


def _points(varies, design: str, points: int) -> int:
    """Points of a sweep: the product of each input's values on a grid, else ``points``."""
    return int(np.prod([vary.points for vary in varies])) if design == "grid" else points


def _print_sweep(result, varies) -> None:
    dims = [f"vary_{i}" for i in range(len(varies))]
    header = "".join(f"{v.label.split('=')[0][-28:]:>30}" for v in varies)
    for milestone in result.milestone.values:
        print(f"\nmilestone {milestone} (P50 over replicates):")
        print(f"{header}{'P50 date':>14}")
        dates = result.milestone_date.sel(milestone=milestone).values
        points = result.point.values
        for point in np.unique(points):
            chosen = points == point
            settings = "".join(f"{result[d].values[chosen][0]:>30.4g}" for d in dims)
            ns = dates[chosen].astype(np.int64).astype(float)
            ns[np.isnat(dates[chosen])] = np.inf
            p50 = np.quantile(ns, 0.5, method="inverted_cdf")
            shown = "not met" if not np.isfinite(p50) else str(np.datetime64(int(p50), "ns"))[:10]
            print(f"{settings}{shown:>14}")


def sensitivity_command(arguments: argparse.Namespace) -> int:
    scenario = load_scenario(arguments.file, arguments.overrides)
    if arguments.groups and arguments.method == "tornado":
        raise CommandError(
            "--groups applies to morris and sobol; tornado moves one input at a time"
        )
    try:
        output = Output.parse(arguments.measure, scenario)
        problem = scenario_problem(scenario, arguments.inputs, arguments.groups)
        factors = len(set(problem.groups or problem.names))
        runs = evaluations(arguments.method, factors, **_sizes(arguments))
    except ValueError as error:
        raise CommandError(str(error)) from None
    grouped = f" in {factors} groups" if problem.groups else ""
    print(
        f"{scenario.name}: {arguments.method} on {len(problem.names)} inputs{grouped}, {runs} runs"
    )
    execution = execution_from(arguments)
    confirm_large_study(scenario, runs, execution, arguments.yes)
    result = sensitivity(
        scenario,
        arguments.method,
        output,
        include=arguments.inputs,
        groups=arguments.groups,
        n=arguments.n,
        trajectories=arguments.trajectories,
        seed=arguments.seed,
        execution=execution,
    )
    if arguments.method == "tornado":
        _print_tornado(result, arguments.top)
    else:
        _print_ranking(result, index_ranking(result), arguments.top)
    if arguments.output_file is not None:
        print(f"\nwrote {save_result(result, arguments.output_file)}")
    return 0


def _sizes(arguments: argparse.Namespace) -> dict[str, int]:
    if arguments.method == "sobol":
        return {"n": arguments.n}
    if arguments.method == "morris":
        return {"trajectories": arguments.trajectories}
    return {}


def _print_tornado(result, top: int) -> None:
    units = result.attrs.get("output_units") or "output units"
    print(f"{'input':<60}{'swing':>12} ({units})")
    for name in result["input"].values[:top]:
        print(f"{name:<60}{float(result.swing.sel(input=name)):>12.1f}")


def _print_ranking(result, ranking: Ranking, top: int) -> None:
    """The inputs (or groups) distinguishable from zero, with their intervals."""
    dim = "group" if "group" in result.dims else "input"
    units = result.attrs.get("output_units") or "output units"
    if "output" in result.dims:
        print("(indices and interval half-widths averaged over the months of the series)")
        result = result.mean("output", skipna=True)
    confidence = f"{100 * ranking.confidence:.0f} %"
    if ranking.statistic == "mu*":
        print(f"mu*: mean |change of the output| ({units}) per unit change of an input's quantile")
        header = f"{'mu*':>10}{confidence + ' CI':>22}{'sigma':>10}"
    else:
        header = f"{'ST':>8}{confidence + ' CI':>18}{'S1':>8}{confidence + ' CI':>18}"
    print(f"{dim:<60}{header}")
    for row in ranking.rows[:top]:
        picked = result.sel({dim: row.name})
        if ranking.statistic == "mu*":
            sigma = float(picked["sigma"])
            cells = f"{row.value:>10.4g}{_interval(row.low, row.high, '.4g'):>22}"
            cells += f"{sigma:>10.4g}" if np.isfinite(sigma) else f"{'':>10}"
        else:
            s1, half = float(picked["S1"]), float(picked["S1_conf"])
            cells = f"{row.value:>8.3f}{_interval(row.low, row.high, '.3f'):>18}"
            cells += f"{s1:>8.3f}{_interval(s1 - half, s1 + half, '.3f'):>18}"
        print(f"{_member_label(picked, dim, row.name):<60}{cells}")
    hidden = len(ranking.rows) - min(top, len(ranking.rows))
    if hidden:
        print(f"... and {hidden} more (--top)")
    print(
        f"{ranking.omitted} of {ranking.tested} {dim}s not distinguishable from zero "
        f"({ranking.rule}): not listed"
    )


def _interval(low: float, high: float, form: str) -> str:
    return f"[{low:{form}}, {high:{form}}]"


def _member_label(picked, dim: str, name: str) -> str:
    if dim != "group":
        return name
    size = int(picked["group_size"])
    return f"{name} ({size} input{'s' * (size != 1)})"

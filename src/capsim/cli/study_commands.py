"""``capsim sweep`` and ``capsim sensitivity``: explicit what-ifs and sensitivity indices."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from capsim.analysis.scenario_sensitivity import Output, scenario_problem, sensitivity
from capsim.analysis.sensitivity import evaluations
from capsim.cli.options import CommandError, add_execution_arguments, execution_from
from capsim.cli.scenario_commands import add_scenario_arguments
from capsim.results import save_result
from capsim.scenario.loader import load_scenario
from capsim.sweep.checks import check_size, check_values
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
        "every parameter under PATH ('hbm_vendors.sk-hynix.wafers=0.7x:1.3x'); the values "
        "are checked like the file's",
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
        "--n", type=int, default=256, help="Sobol' base sample size, a power of two (default: 256)"
    )
    parser.add_argument("--trajectories", type=int, default=10, help="Morris trajectories")
    parser.add_argument("--seed", type=int)
    parser.add_argument("-o", dest="output_file", type=Path, metavar="FILE.nc")
    parser.add_argument("--top", type=int, default=15, help="rows to print (default: 15)")
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
    try:
        check_size(varies, arguments.design, arguments.points, arguments.replicates)
    except ValueError as error:
        raise CommandError(str(error)) from None
    check_values(scenario, varies)
    output = arguments.output
    if output is not None and output.suffix not in (".zarr", ".nc"):
        raise CommandError(f"-o takes a .zarr store or a .nc file, found {output}")
    store = output if output is not None and output.suffix == ".zarr" else None
    result = sweep(
        scenario,
        varies,
        design=arguments.design,
        points=arguments.points,
        replicates=arguments.replicates,
        seed=arguments.seed,
        store=store,
        execution=execution_from(arguments),
    )
    _print_sweep(result, varies)
    if output is not None:
        written = save_result(result.load(), output) if store is None else store
        print(f"\nwrote {written}")
    return 0


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
    try:
        output = Output.parse(arguments.measure, scenario)
        problem = scenario_problem(scenario, arguments.inputs)
        runs = evaluations(arguments.method, len(problem.names), **_sizes(arguments))
    except ValueError as error:
        raise CommandError(str(error)) from None
    print(f"{scenario.name}: {arguments.method} on {len(problem.names)} inputs, {runs} runs")
    result = sensitivity(
        scenario,
        arguments.method,
        output,
        include=arguments.inputs,
        n=arguments.n,
        trajectories=arguments.trajectories,
        seed=arguments.seed,
        execution=execution_from(arguments),
    )
    _print_ranking(result, arguments.method, arguments.top)
    if arguments.output_file is not None:
        print(f"\nwrote {save_result(result, arguments.output_file)}")
    return 0


def _sizes(arguments: argparse.Namespace) -> dict[str, int]:
    if arguments.method == "sobol":
        return {"n": arguments.n}
    if arguments.method == "morris":
        return {"trajectories": arguments.trajectories}
    return {}


def _print_ranking(result, method: str, top: int) -> None:
    units = result.attrs.get("output_units") or "output units"
    dim = "group" if "group" in result.dims else "input"
    if "output" in result.dims:
        result = result.mean("output")
        print("(indices averaged over the months of the series)")
    if method == "tornado":
        print(f"{'input':<60}{'swing':>12} ({units})")
        for name in result[dim].values[:top]:
            print(f"{name:<60}{float(result.swing.sel({dim: name})):>12.1f}")
        return
    key = "mu_star" if method == "morris" else "ST"
    order = np.argsort(-np.nan_to_num(result[key].values))[:top]
    columns = ("mu_star", "sigma") if method == "morris" else ("S1", "S1_conf", "ST", "ST_conf")
    print(f"{'input':<60}" + "".join(f"{c:>10}" for c in columns))
    for i in order:
        row = "".join(f"{float(result[c].values[i]):>10.3f}" for c in columns)
        print(f"{result[dim].values[i]:<60}{row}")

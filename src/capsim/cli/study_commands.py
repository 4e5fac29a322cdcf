"""``capsim sweep`` and ``capsim sensitivity``: explicit what-ifs and sensitivity indices."""

from __future__ import annotations

import argparse
from pathlib import Path

from capsim.cli.helptext import examples
from capsim.cli.large_study import add_yes_argument, confirm_large_study
from capsim.cli.options import (
    CommandError,
    add_execution_arguments,
    execution_from,
    row_count,
    seed_number,
)
from capsim.cli.output import add_format_argument, emit, say
from capsim.cli.scenario_commands import add_scenario_arguments


def register(commands) -> None:
    """Add ``sweep`` and ``sensitivity`` to ``commands``."""
    parser = commands.add_parser(
        "sweep",
        help="run a scenario over chosen values of inputs",
        description="Run FILE at chosen values of one or more inputs (a grid, or an lhs, "
        "sobol or random design over their ranges), the other inputs at their central "
        "values, or with --replicates R > 1 at R Monte Carlo draws at each point (the same "
        "draws at every point); prints each milestone's date per point (the P50 over the "
        "replicates).",
        epilog=examples(
            "capsim sweep scenarios/openai-nvidia-10gw.yaml "
            "--vary 'sites.tx-campus-a.power.grid.wait=12 months:60 months:5'",
            "capsim sweep scenarios/openai-nvidia-10gw.yaml "
            "--vary hbm_vendors.sk-hynix.wafers=0.7x:1.3x:3",
        ),
    )
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
    parser.add_argument(
        "--design",
        choices=("grid", "lhs", "sobol", "random"),
        default="grid",
        help="grid: every combination of each --vary's N values; lhs, sobol, random: "
        "--points points over the ranges (default: grid)",
    )
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
        help="Monte Carlo draws of the other inputs per point (default: 1, the other "
        "inputs at their central values)",
    )
    parser.add_argument(
        "--seed",
        type=seed_number,
        help="seed of the design and the draws (default: the scenario's)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write the results: .zarr store or .nc file",
    )
    add_format_argument(parser)
    add_yes_argument(parser)
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the study already in the -o .zarr store (never any other folder)",
    )
    add_execution_arguments(parser)
    parser.set_defaults(handler=sweep_command)

    parser = commands.add_parser(
        "sensitivity",
        help="tornado, Morris or Sobol' indices",
        description="Rank the uncertain inputs of FILE by their effect on one output: a "
        "milestone's date (milestone:NAME) or a monthly series "
        "(series:VARIABLE[:PROGRAMME], indices per month). tornado: each input alone at "
        "its P10 and P90, the others central; morris: elementary effects along "
        "--trajectories paths; sobol: first-order (S1) and total (ST) variance shares with "
        "bootstrap confidence intervals.",
        epilog=examples(
            "capsim sensitivity scenarios/openai-nvidia-10gw.yaml --output milestone:first-gw",
            "capsim sensitivity scenarios/korea-10k-gpus.yaml --method sobol --n 64 "
            "--output milestone:kr-10k-installed",
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument(
        "--method",
        choices=("tornado", "morris", "sobol"),
        default="tornado",
        help="tornado: each input alone at its P10 and P90; morris: elementary effects; "
        "sobol: variance shares (default: tornado)",
    )
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
        help="Morris and Sobol' on groups of inputs: entity, key, entity:GLOB, key:GLOB or "
        "NAME=GLOB (repeatable; "
        "each input takes the first spec that matches it, the rest form 'other')",
    )
    parser.add_argument(
        "--n", type=int, default=256, help="Sobol' base sample size, a power of two (default: 256)"
    )
    parser.add_argument(
        "--trajectories", type=int, default=10, help="Morris trajectories (default: 10)"
    )
    parser.add_argument(
        "--seed", type=seed_number, help="seed of the design (default: the scenario's)"
    )
    parser.add_argument(
        "-o", dest="output_file", type=Path, metavar="FILE.nc", help="write the indices (NetCDF)"
    )
    parser.add_argument("--top", type=row_count, default=15, help="rows to print (default: 15)")
    add_format_argument(parser)
    add_yes_argument(parser)
    add_execution_arguments(parser)
    parser.set_defaults(handler=sensitivity_command)


def sweep_command(arguments: argparse.Namespace) -> int:
    from capsim.results import save_result
    from capsim.scenario.loader import load_scenario
    from capsim.sweep.checks import check_size, check_values
    from capsim.sweep.store import StoreError
    from capsim.sweep.study import resolve_vary, sweep

    scenario = load_scenario(arguments.file, arguments.overrides)
    try:
        varies = [resolve_vary(scenario, text) for text in arguments.vary]
    except ValueError as error:
        raise CommandError(f"--vary: {error}") from None
    _check_disjoint(varies)
    if arguments.design != "grid":
        for text in arguments.vary:
            if text.partition("=")[2].count(":") >= 2:
                raise CommandError(
                    f"--vary {text}: ':N' sets a grid's points; with --design "
                    f"{arguments.design} give --points N"
                )
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
    if arguments.overwrite and store is None:
        raise CommandError("--overwrite needs the study's store: -o STUDY.zarr")
    execution = execution_from(arguments)
    runs = arguments.replicates * _points(varies, arguments.design, arguments.points)
    confirm_large_study(scenario, runs, execution, arguments.yes)
    try:
        result = sweep(
            scenario,
            varies,
            design=arguments.design,
            points=arguments.points,
            replicates=arguments.replicates,
            seed=arguments.seed,
            store=store,
            execution=execution,
            overwrite=arguments.overwrite,
        )
    except StoreError as error:
        raise CommandError(str(error)) from None
    rows = _sweep_rows(result, varies)
    emit(
        arguments,
        text=lambda: _format_sweep(rows, varies, scenario, arguments.replicates),
        rows=lambda: rows,
        document=lambda: {
            "scenario": scenario.name,
            "vary": [vary.label for vary in varies],
            "varied": [
                {"key": key, "label": label, "unit": unit or "1"}
                for key, (label, unit) in zip(
                    (vary.label.split("=")[0] for vary in varies),
                    _varied(varies, scenario),
                    strict=True,
                )
            ],
            "design": arguments.design,
            "replicates": arguments.replicates,
            "points": rows,
        },
        units={
            vary.label.split("=")[0]: unit or "1"
            for vary, (_, unit) in zip(varies, _varied(varies, scenario), strict=True)
        },
    )
    if output is not None:
        written = save_result(result.load(), output) if store is None else store
        say(arguments, f"\nwrote {written}")
    return 0


def _check_disjoint(varies) -> None:
    """No parameter is set by two ``--vary`` options (the last would silently win)."""
    seen: dict[str, str] = {}
    for vary in varies:
        for target in vary.targets:
            if target in seen:
                raise CommandError(
                    f"--vary {vary.label} and --vary {seen[target]} both set {target}; "
                    "give each parameter one range"
                )
            seen[target] = vary.label


def _points(varies, design: str, points: int) -> int:
    """Points of a sweep: the product of each input's values on a grid, else ``points``."""
    import numpy as np

    return int(np.prod([vary.points for vary in varies])) if design == "grid" else points


def _sweep_rows(result, varies) -> list[dict]:
    """One row per milestone and point: the varied inputs' values (canonical units, or
    multipliers) and the milestone's P50 date over the point's replicates (None: not met
    by more than half)."""
    import numpy as np

    rows = []
    points = result.point.values
    failed = result["failed"].values if "failed" in result else np.zeros(len(points), bool)
    for milestone in result.milestone.values:
        dates = result.milestone_date.sel(milestone=milestone).values
        for point in np.unique(points):
            chosen = points == point
            ran = chosen & ~failed
            ns = dates[ran].astype(np.int64).astype(float)
            ns[np.isnat(dates[ran])] = np.inf
            p50 = np.quantile(ns, 0.5, method="inverted_cdf") if ran.any() else np.nan
            row = {"milestone": str(milestone), "point": int(point)}
            for i, vary in enumerate(varies):
                row[vary.label.split("=")[0]] = float(result[f"vary_{i}"].values[chosen][0])
            when = (
                np.datetime64(int(p50), "ns").astype("datetime64[D]") if np.isfinite(p50) else None
            )
            row["p50"] = None if when is None else str(when)
            row["failed"] = int((chosen & failed).sum())
            rows.append(row)
    return rows


def _varied(varies, scenario) -> list[tuple[str, str]]:
    """Each varied input's label (:func:`capsim.sweep.study.varied_label`) and unit:
    its parameter's canonical unit, or ``x`` for multipliers."""
    from capsim.scenario.walk import iter_params
    from capsim.sweep.study import varied_label

    units = {path: param.unit for path, param in iter_params(scenario)}
    return [
        (varied_label(scenario, vary), "x" if vary.relative else units.get(vary.targets[0], ""))
        for vary in varies
    ]


def _format_sweep(rows: list[dict], varies, scenario, replicates: int) -> str:
    """The date of each milestone at each point (the P50 over ``replicates`` draws, or the
    run at central values when there is one), the varied inputs by their labels and
    their values with units."""
    from capsim.scenario.units import format_number, format_quantity

    names = [vary.label.split("=")[0] for vary in varies]
    varied = _varied(varies, scenario)

    def shown(value: float, unit: str) -> str:
        return f"{format_number(value)}x" if unit == "x" else format_quantity(value, unit)

    cells = [[shown(row[name], unit) for name, (_, unit) in zip(names, varied, strict=True)]
             for row in rows]  # fmt: skip
    widths = [
        max(len(label), *(len(cell[i]) for cell in cells)) + 2
        for i, (label, _) in enumerate(varied)
    ]
    header = "".join(f"{label:>{width}}" for (label, _), width in zip(varied, widths, strict=True))
    over, column = (
        (f"P50 over {replicates} replicates", "P50 date")
        if replicates > 1
        else ("the other inputs at central values", "date")
    )
    lines = []
    for milestone in dict.fromkeys(row["milestone"] for row in rows):
        lines += ["", f"milestone {milestone} ({over}):", f"{header}{column:>14}"]
        for row, cell in zip(rows, cells, strict=True):
            if row["milestone"] == milestone:
                settings = "".join(f"{c:>{w}}" for c, w in zip(cell, widths, strict=True))
                shown_date = row["p50"] or ("failed" if row["failed"] == replicates else "not met")
                lines.append(f"{settings}{shown_date:>14}")
    failing = {row["point"] for row in rows if row["failed"]}
    if failing:
        lines += [
            "",
            f"note: runs failed at {len(failing)} of the points (the study's `failed`; "
            "`capsim run FILE --set PATH=VALUE --deterministic` says why); their dates are "
            "those of the runs that did not fail, 'failed' where none ran",
        ]
    return "\n".join(lines)


def sensitivity_command(arguments: argparse.Namespace) -> int:
    from capsim.analysis.scenario_sensitivity import Output, scenario_problem, sensitivity
    from capsim.analysis.sensitivity import evaluations
    from capsim.results import save_result
    from capsim.scenario.loader import load_scenario

    scenario = load_scenario(arguments.file, arguments.overrides)
    if arguments.groups and arguments.method == "tornado":
        raise CommandError(
            "--groups applies to morris and sobol; tornado moves one input at a time"
        )
    if arguments.output_file is not None and arguments.output_file.suffix != ".nc":
        raise CommandError(f"-o takes a .nc file (NetCDF), found {arguments.output_file}")
    if arguments.method == "morris" and arguments.trajectories < 2:
        raise CommandError(f"--trajectories must be >= 2, found {arguments.trajectories}")
    try:
        output = Output.parse(arguments.measure, scenario)
        problem = scenario_problem(scenario, arguments.inputs, arguments.groups)
        factors = len(set(problem.groups or problem.names))
        runs = evaluations(arguments.method, factors, **_sizes(arguments))
    except ValueError as error:
        raise CommandError(str(error)) from None
    grouped = f" in {factors} groups" if problem.groups else ""
    say(
        arguments,
        f"{scenario.name}: {arguments.method} on {len(problem.names)} inputs{grouped}, {runs} runs",
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
    rows, units, note, omitted = _ranking(result, arguments.method)
    shown = rows[: arguments.top]  # --top is at least 1
    emit(
        arguments,
        text=lambda: _format_ranking(
            shown,
            ranked=len(rows),
            method=arguments.method,
            units=units,
            note=note,
            omitted=omitted,
        ),
        rows=lambda: shown,
        document=lambda: {
            "scenario": scenario.name,
            "method": arguments.method,
            "output": arguments.measure,
            "output_units": units,
            "note": note,
            "not_listed": omitted,
            "inputs": rows,
        },
        units=_ranking_units(arguments.method, units),
        columns=_ranking_columns(arguments.method, "group" if "group" in result.dims else "input"),
    )
    if arguments.output_file is not None:
        say(arguments, f"\nwrote {save_result(result, arguments.output_file)}")
    return 0


def _sizes(arguments: argparse.Namespace) -> dict[str, int]:
    if arguments.method == "sobol":
        return {"n": arguments.n}
    if arguments.method == "morris":
        return {"trajectories": arguments.trajectories}
    return {}


def _ranking(result, method: str) -> tuple[list[dict], str, str | None, str | None]:
    """The inputs (or groups) ranked, the output's units, a note on how they were taken,
    and what was left out: a tornado's by swing, all of them; Morris (by mu*) and Sobol'
    (by ST) only those whose interval is above zero, with their intervals."""
    import numpy as np

    from capsim.analysis.ranking import index_ranking

    units = result.attrs.get("output_units") or "output units"
    dim = "group" if "group" in result.dims else "input"
    if method == "tornado":
        labels = _input_labels(result)
        never = result.attrs.get("not_met_days")
        rows = []
        still = 0
        for name in result["input"].values:
            if float(result.swing.sel(input=name)) == 0.0:
                still += 1  # moves nothing: listed as a count, as the chart leaves it out
                continue
            ends = [
                end
                for end, key in (("P10", "output_low"), ("P90", "output_high"))
                if never is not None and float(result[key].sel(input=name)) >= never
            ]
            rows.append(
                {
                    "input": str(name),
                    "label": labels[str(name)],
                    "swing": float(result.swing.sel(input=name)),
                    "not_met_at": " and ".join(ends) or None,
                }
            )
        note = None
        if any(row["not_met_at"] for row in rows):
            note = (
                "a milestone not met within the horizon counts as the day after it: a swing "
                "marked 'not met at P10/P90' is at least that long"
            )
        omitted = None
        if still:
            omitted = f"{still} of {result.sizes['input']} inputs move it by nothing: not listed"
        return rows, units, note, omitted
    ranking = index_ranking(result)
    note = None
    if "output" in result.dims:
        note = "(indices and interval half-widths averaged over the months of the series)"
        result = result.mean("output", skipna=True)
    labels = _input_labels(result) if dim == "input" else {}
    rows = []
    for ranked in ranking.rows:
        picked = result.sel({dim: ranked.name})
        row = {dim: ranked.name}
        if dim == "input":
            row["label"] = labels[ranked.name]
        if dim == "group":
            row["inputs"] = int(picked["group_size"])
        if ranking.statistic == "mu*":
            sigma = float(picked["sigma"])
            row.update(
                mu_star=ranked.value,
                mu_star_low=ranked.low,
                mu_star_high=ranked.high,
                sigma=sigma if np.isfinite(sigma) else None,
            )
        else:
            s1, half = float(picked["S1"]), float(picked["S1_conf"])
            row.update(
                ST=ranked.value, ST_low=ranked.low, ST_high=ranked.high,
                S1=s1, S1_low=s1 - half, S1_high=s1 + half,
            )  # fmt: skip
        rows.append(row)
    omitted = (
        f"{ranking.tested - len(ranking.rows)} of {ranking.tested} {dim}s not "
        f"distinguishable from zero ({ranking.rule}): not listed"
    )
    return rows, units, note, omitted


#: The statistics' columns of each method's ranking.
_STATISTICS = {
    "tornado": ("swing", "not_met_at"),
    "morris": ("mu_star", "mu_star_low", "mu_star_high", "sigma"),
    "sobol": ("ST", "ST_low", "ST_high", "S1", "S1_low", "S1_high"),
}


def _ranking_columns(method: str, dim: str) -> tuple[str, ...]:
    """A ranking's columns: the input (and its label) or the group (and its size), then
    the method's statistics; the CSV's header even when nothing was ranked."""
    named = ("input", "label") if dim == "input" else ("group", "inputs")
    return (*named, *_STATISTICS[method])


def _ranking_units(method: str, units: str) -> dict[str, str]:
    """The unit of each number column of a ranking: a tornado's swing in the output's
    ``units``, Morris's effects in them per unit of an input's quantile, Sobol' indices
    as shares of the variance (none where the output's units are not known)."""
    if method == "sobol":
        return dict.fromkeys(_STATISTICS["sobol"], "1")
    if units == "output units":
        return {}
    if method == "tornado":
        return {"swing": units}
    return dict.fromkeys(_STATISTICS["morris"], f"{units} per quantile")


def _format_ranking(
    rows: list[dict],
    *,
    ranked: int,
    method: str,
    units: str,
    note: str | None,
    omitted: str | None,
) -> str:
    """The ``rows`` shown of ``ranked`` as a table, with intervals for Morris and Sobol'."""
    lines = [] if note is None else [note]
    if method == "tornado":
        lines.append(f"{'input':<60}{'swing':>12} ({units})")
        for row in rows:
            marked = f"  not met at {row['not_met_at']}" if row.get("not_met_at") else ""
            lines.append(f"{row['label']:<60}{row['swing']:>12.1f}{marked}")
        if ranked > len(rows):
            lines.append(f"... and {ranked - len(rows)} more (--top)")
        if omitted:
            lines.append(omitted)
        return "\n".join(lines)
    dim = "group" if rows and "group" in rows[0] else "input"
    if method == "morris":
        lines.append(
            f"mu*: mean |change of the output| ({units}) per unit change of an input's quantile"
        )
        lines.append(f"{dim:<60}{'mu*':>10}{'95 % CI':>22}{'sigma':>10}")
    else:
        lines.append(f"{dim:<60}{'ST':>8}{'95 % CI':>18}{'S1':>8}{'95 % CI':>18}")
    for row in rows:
        label = row["label"] if dim == "input" else f"{row[dim]} ({row['inputs']} inputs)"
        if method == "morris":
            cells = f"{row['mu_star']:>10.4g}"
            cells += f"{_interval(row['mu_star_low'], row['mu_star_high'], '.4g'):>22}"
            cells += f"{'':>10}" if row["sigma"] is None else f"{row['sigma']:>10.4g}"
        else:
            cells = f"{row['ST']:>8.3f}{_interval(row['ST_low'], row['ST_high'], '.3f'):>18}"
            cells += f"{row['S1']:>8.3f}{_interval(row['S1_low'], row['S1_high'], '.3f'):>18}"
        lines.append(f"{label:<60}{cells}")
    if ranked > len(rows):
        lines.append(f"... and {ranked - len(rows)} more (--top)")
    if omitted:
        lines.append(omitted)
    outside = [row for row in rows if method == "sobol" and _outside_shares(row)]
    if outside:
        lines.append(
            f"note: {len(outside)} of the indices shown lie outside 0-1 (a share of the "
            "output's variance cannot): at this --n the estimates are noise; raise --n"
        )
    return "\n".join(lines)


def _outside_shares(row: dict) -> bool:
    """Whether a Sobol' row's S1 or ST is outside [0, 1] by more than 0.05 (a variance
    share cannot be; small samples give such estimates)."""
    return any(not -0.05 <= row[key] <= 1.05 for key in ("S1", "ST"))


def _input_labels(result) -> dict[str, str]:
    """Each input's readable label (``input_label``), else its key path."""
    names = [str(name) for name in result["input"].values]
    if "input_label" not in result.coords:
        return dict(zip(names, names, strict=True))
    return dict(zip(names, (str(v) for v in result["input_label"].values), strict=True))


def _interval(low: float, high: float, form: str) -> str:
    return f"[{low:{form}}, {high:{form}}]"

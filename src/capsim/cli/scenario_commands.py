"""Commands about scenario files: validate, describe, cite, schema, seeds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from capsim.scenario.document import Scenario
from capsim.scenario.inventory import (
    citations,
    entity_counts,
    format_param_value,
    param_rows,
    seed_meaning,
)
from capsim.scenario.loader import load_scenario
from capsim.scenario.problems import ScenarioError
from capsim.scenario.walk import iter_params
from capsim.seeds import load_seed_facts


def add_scenario_arguments(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The scenario file argument(s) and ``--set PATH=VALUE``."""
    parser.add_argument(
        "files" if many else "file",
        nargs="+" if many else None,
        type=Path,
        metavar="FILE",
        help="scenario YAML file",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a value, e.g. horizon.end=2030-12-31",
    )
    parser.add_argument(
        "--points-as-given",
        dest="overrides",
        action="append_const",
        const="points_as_given=true",
        help="Monte Carlo keeps point values fixed (no default spread by confidence)",
    )


def register(commands) -> None:
    """Add the scenario subcommands to ``commands``."""
    validate = commands.add_parser("validate", help="check scenario files; exit 2 on problems")
    add_scenario_arguments(validate, many=True)
    validate.set_defaults(handler=validate_command)

    describe = commands.add_parser("describe", help="entities and every parameter of a scenario")
    add_scenario_arguments(describe)
    describe.set_defaults(handler=describe_command)

    cite = commands.add_parser(
        "cite", help="the sources a scenario uses; warns on unsourced values"
    )
    add_scenario_arguments(cite)
    cite.set_defaults(handler=cite_command)

    schema = commands.add_parser("schema", help="JSON Schema of scenario files (editor completion)")
    schema.set_defaults(handler=schema_command)

    seeds = commands.add_parser("seeds", help="the seed facts scenarios may cite")
    seeds.set_defaults(handler=seeds_command)


def validate_command(arguments: argparse.Namespace) -> int:
    problems = []
    for path in arguments.files:
        try:
            scenario = load_scenario(path, arguments.overrides)
        except ScenarioError as error:
            problems += error.problems
            continue
        print(f"ok: {path} ({scenario.name}: {_summary(scenario)})")
    if problems:
        raise ScenarioError(problems)
    return 0


def _summary(scenario: Scenario) -> str:
    counts = entity_counts(scenario)
    return ", ".join(f"{len(ids)} {table}" for table, ids in counts.items() if ids)


def describe_command(arguments: argparse.Namespace) -> int:
    scenario = load_scenario(arguments.file, arguments.overrides)
    print(f"scenario: {scenario.name}")
    if scenario.description:
        print(f"  {scenario.description.strip()}")
    print(f"horizon: {scenario.horizon.start} to {scenario.horizon.end}")
    print("\nentities:")
    for table, ids in entity_counts(scenario).items():
        if ids:
            print(f"  {table}: {', '.join(ids)}")
    rows = param_rows(scenario)
    print(f"\nparameters ({len(rows)}; value is the central value, in canonical units):")
    defaults = {} if scenario.points_as_given else point_spreads(scenario)
    scale = spread_scale_of(scenario)
    params = dict(iter_params(scenario))
    width = max(len(row.path) for row in rows)
    for row in rows:
        spread = f"  ~ {row.distribution}" if row.distribution else ""
        if row.path in defaults:
            spread = f"  ~ {defaults[row.path]} (default spread)"
        confidence = f" [{row.confidence}]" if row.confidence else ""
        print(f"  {row.path:<{width}}  {row.value:>16} ({row.unit}){spread}")
        print(f"  {'':<{width}}  source: {row.source}{confidence}")
        for line in _knowledge(params[row.path]):
            print(f"  {'':<{width}}  {line}")
    if scenario.points_as_given or scale == 0:
        why = "points_as_given" if scenario.points_as_given else "default spread scale 0"
        print(f"\nMonte Carlo keeps point values as given ({why}; capsim.sweep.spread)")
    else:
        print(
            f"\nMonte Carlo draws {len(defaults)} point values from their default spread by "
            f"confidence and kind, scale {scale:g} (capsim.sweep.spread; --points-as-given "
            "keeps them fixed)"
        )
    return 0


def _knowledge(param) -> list[str]:
    """When ``param`` became known and what was believed before, one line per step."""
    lines = []
    while param.known is not None:
        before = "(left out)" if param.prior is None else format_param_value(param.prior)
        lines.append(f"known from {param.known}; before: {before}")
        if param.prior is None:
            break
        param = param.prior
    return lines


def spread_scale_of(scenario) -> float:
    """The overall scale of the default spread Monte Carlo applies to ``scenario``."""
    from capsim.sweep.spread import SCALE

    return SCALE if scenario.point_spread_scale is None else scenario.point_spread_scale


def point_spreads(scenario) -> dict[str, str]:
    """Each point value's default spread in Monte Carlo, as ``describe`` shows it."""
    from capsim.sweep.spread import default_spread, quantity_kind, spread_sigma

    shown = {}
    scale = spread_scale_of(scenario)
    for path, param in iter_params(scenario):
        drawn = default_spread(path, param, scale)
        if drawn is not None:
            kind = "log-odds" if drawn.kind == "logitnormal" else "log"
            shown[path] = (
                f"{drawn.kind}(median={format_param_value(param)}, "
                f"sigma={spread_sigma(path, param, scale):.3g} {kind}; "
                f"{param.confidence} {quantity_kind(path, param)})"
            )
    return shown


def cite_command(arguments: argparse.Namespace) -> int:
    scenario = load_scenario(arguments.file, arguments.overrides)
    cited = citations(scenario)
    print(f"sources used by {scenario.name}:")
    print(f"\nseed facts ({len(cited.seeds)}):")
    for seed_id, count in sorted(cited.seeds.items()):
        print(f"  seed:{seed_id}  ({_values(count)}): {seed_meaning(seed_id)}")
    print(f"\npublic sources ({len(cited.public)}):")
    for text, count in sorted(cited.public.items()):
        print(f"  {text}  ({_values(count)})")
    if cited.calibrations:
        print(f"\ncalibrations ({len(cited.calibrations)}):")
        for text, count in sorted(cited.calibrations.items()):
            print(f"  {text}  ({_values(count)})")
    defaults = _values(cited.defaults)
    print(f"\nassumptions: {_values(cited.assumptions)}; capsim defaults: {defaults}")
    for path in cited.unsourced:
        print(f"warning: {path} has no source")
    return 0


def _values(count: int) -> str:
    return f"{count} value{'s' * (count != 1)}"


def schema_command(arguments: argparse.Namespace) -> int:
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "capsim scenario"
    print(json.dumps(schema, indent=2))
    return 0


def seeds_command(arguments: argparse.Namespace) -> int:
    for fact in load_seed_facts().values():
        figure = "" if fact.figure is None else f" = {fact.figure:g} {fact.unit or ''}".rstrip()
        print(f"seed:{fact.id}{figure}  [{fact.kind}, {fact.claim_date}, {fact.article}]")
        print(f"    {fact.meaning}")
    return 0

"""Commands about scenario files: validate, describe, cite, schema, seeds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from capsim.scenario.document import Scenario
from capsim.scenario.inventory import citations, entity_counts, param_rows, seed_meaning
from capsim.scenario.loader import load_scenario
from capsim.scenario.problems import ScenarioError
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
        "--allow-extends",
        dest="allow_extends",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="let extends read base files in DIR too (default: the scenario's own folder "
        "tree and the shipped scenarios)",
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
    width = max(len(row.path) for row in rows)
    for row in rows:
        spread = f"  ~ {row.distribution}" if row.distribution else ""
        confidence = f" [{row.confidence}]" if row.confidence else ""
        print(f"  {row.path:<{width}}  {row.value:>16} ({row.unit}){spread}")
        print(f"  {'':<{width}}  source: {row.source}{confidence}")
    return 0


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

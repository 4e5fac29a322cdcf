"""How ``--help`` lays out a command's description and examples."""

from __future__ import annotations

import argparse
import textwrap


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Fills each paragraph of a description or epilog to the terminal's width, and keeps
    indented lines (the examples) exactly as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = []
        for paragraph in text.strip("\n").split("\n\n"):
            if any(line.startswith(" ") for line in paragraph.splitlines()):
                blocks.append(textwrap.indent(paragraph, indent))
            else:
                blocks.append(
                    textwrap.fill(
                        " ".join(paragraph.split()),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                    )
                )
        return "\n\n".join(blocks)


def examples(*commands: str) -> str:
    """The epilog of a command's help: its example command lines, one per line."""
    heading = "example:" if len(commands) == 1 else "examples:"
    return "\n".join([heading, *(f"  {command}" for command in commands)])
